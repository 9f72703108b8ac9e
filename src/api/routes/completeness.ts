import { Router } from 'express';
import type { LearnedSender } from '../../series/sender-history.js';
import { allowUnaudited } from '../../auth/allow.js';
import { parseQuery } from '../query.js';

/**
 * What the series tracker learned about each sender (calling AE, station, modality): its gaps
 * between instances, the quiet time that completes its series, whether one image is a series.
 * AE titles and station names, no patient data: not audited.
 */
export function completenessRoutes(history: { list(): LearnedSender[] }): Router {
  const router = Router();
  router.get('/completeness/senders', allowUnaudited('it', 'service'), (req, res) => {
    parseQuery(req, {});
    res.json(history.list().map(senderView));
  });
  return router;
}

function senderView(s: LearnedSender): Record<string, unknown> {
  return {
    CallingAET: s.key.callingAeTitle,
    StationName: s.key.stationName,
    Modality: s.key.modality,
    SeriesLearned: s.seriesLearned,
    SingleImageSeries: s.singleImageSeries,
    Gaps: s.gaps,
    GapQuantileSeconds: s.gapQuantileMs === null ? null : s.gapQuantileMs / 1000,
    // null: not learned yet, the idle window applies.
    QuietSeconds: s.quietMs === null ? null : s.quietMs / 1000,
    SingleImageAtOnce: s.singleImageAtOnce,
    LearnedAt: new Date(s.learnedAt).toISOString(),
  };
}
