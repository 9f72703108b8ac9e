import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { VigilError, isVigilError } from '../../core/errors.js';
import { parseHeaderPrefix } from '../../dicom/data/header.js';
import { compareOnSeries, summaryOf, type DryRunReport } from '../../rules/dry-run.js';
import { seriesOfOneHeader } from '../../rules/header-series.js';
import type { RoutingPart } from '../../rules/routing-part.js';
import { parseRulesText } from '../../rules/rules-file.js';
import { allow, allowUnaudited, auditResources } from '../../auth/allow.js';
import { parseQuery } from '../query.js';
import type { ApiDeps } from '../deps.js';
import { checkId } from './resources.js';

/**
 * The routing rules over HTTP, for IT: read, check, change (versioned, audited), roll back, and
 * dry-run a draft on stored series or an uploaded header. Explanations never quote patient
 * values; changes record the caller's token name as their author.
 */
const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'];
const MAX_DAYS = 365;
const DEFAULT_SERIES_LIMIT = 200;
const MAX_SERIES_LIMIT = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

const testBody = z
  .strictObject({
    /** The draft rules document; omitted: the document in force (explain only). */
    rules: z.unknown().optional(),
    seriesId: z.string().optional(),
    days: z.number().int().min(1).max(MAX_DAYS).optional(),
    limit: z.number().int().min(1).max(MAX_SERIES_LIMIT).optional(),
    /** A header in the DICOM JSON model (tag → { vr, Value }). */
    dicomJson: z.record(z.string(), z.unknown()).optional(),
    /** A Part 10 file (its header is enough), base64. */
    dicom: z.string().optional(),
    /** Include each rule's condition tree outcome (default: for one series only). */
    detail: z.boolean().optional(),
  })
  .refine((b) => [b.seriesId, b.days, b.dicomJson, b.dicom].filter((t) => t !== undefined).length === 1, {
    message: 'give exactly one of seriesId, days, dicomJson or dicom',
  });

export function rulesRoutes(deps: ApiDeps & { rules: RoutingPart }): Router {
  const router = Router();
  const { book, versions, decisions, series } = deps.rules;
  const yamlBody = express.text({ type: YAML_TYPES, limit: deps.config.http.maxBodyBytes });

  router.get('/rules', allowUnaudited('it'), (req, res) => {
    parseQuery(req, {});
    const current = book.inForce();
    res.json({
      version: current.version,
      document: current.document,
      text: current.text,
      rules: current.ruleSet.rules.map((r) => ({ ...r.written, origin: r.origin })),
      warnings: current.warnings,
    });
  });

  router.get('/rules/status', allowUnaudited('it', 'service'), (req, res) => {
    parseQuery(req, {});
    res.json(book.status());
  });

  router.post('/rules/check', allow('it'), yamlBody, (req, res) => {
    parseQuery(req, {});
    const check = book.check(documentOf(req));
    res.json({ ok: check.ruleSet !== undefined, errors: check.errors, warnings: check.warnings, order: check.ruleSet?.rules.map((r) => r.id) ?? null });
  });

  router.put('/rules', allow('it'), yamlBody, (req, res) => {
    parseQuery(req, {});
    const text = typeof req.body === 'string' ? req.body : undefined;
    res.json(book.apply(documentOf(req), { author: authorOf(req), source: 'api', text }));
  });

  router.get('/rules/versions', allowUnaudited('it'), (req, res) => {
    const q = parseQuery(req, { before: 'int', limit: 'int' });
    const list = versions.list(q.before ?? Number.MAX_SAFE_INTEGER, Math.min(Math.max(q.limit ?? 50, 1), 500));
    res.json(list.map(({ document: _d, text: _t, rules: _r, ...summary }) => summary));
  });

  router.get('/rules/versions/:version', allowUnaudited('it'), (req, res) => {
    parseQuery(req, {});
    const version = versions.get(versionOf(req.params.version));
    if (!version) throw new VigilError('NOT_FOUND', 'no such rules version');
    res.json(version);
  });

  router.post('/rules/rollback', allow('it'), (req, res) => {
    parseQuery(req, {});
    const body = z.strictObject({ version: z.number().int().min(1) }).safeParse(req.body);
    if (!body.success) throw new VigilError('BAD_REQUEST', 'send { "version": N }, a version from GET /rules/versions');
    res.json(book.rollback(body.data.version, authorOf(req)));
  });

  router.post('/rules/test', allow('it'), async (req, res) => {
    parseQuery(req, {});
    const parsed = testBody.safeParse(req.body);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
      throw new VigilError('BAD_REQUEST', problems.map((p) => `${p.path}: ${p.message}`).join('; '), { extra: { problems } });
    }
    const body = parsed.data;
    const inForce = book.inForce();
    const draftCheck = book.check(body.rules === undefined ? inForce.document : body.rules);
    if (!draftCheck.ruleSet) {
      throw new VigilError('RULES_INVALID', `the draft has ${draftCheck.errors.length} problem(s); nothing was tested`, {
        extra: { errors: draftCheck.errors, warnings: draftCheck.warnings },
      });
    }
    const report: DryRunReport = { inForceVersion: inForce.version, warnings: draftCheck.warnings, series: [], unreadable: [], truncated: false };
    const compare = (label: string, facts: Parameters<typeof compareOnSeries>[1], detail: boolean) =>
      report.series.push(compareOnSeries(label, facts, draftCheck.ruleSet!, inForce.ruleSet, detail));

    if (body.dicomJson !== undefined) compare('uploaded header', seriesOfOneHeader(body.dicomJson, deps.config.dicom.aeTitle), body.detail ?? true);
    else if (body.dicom !== undefined) {
      const bytes = Buffer.from(body.dicom, 'base64');
      // The whole upload is given, so this parses it or throws DICOM_PARSE_FAILED (422).
      const header = parseHeaderPrefix(bytes, bytes.length)!;
      compare('uploaded header', seriesOfOneHeader(header.dict, deps.config.dicom.aeTitle), body.detail ?? true);
    } else {
      const ids =
        body.seriesId !== undefined
          ? [checkId(body.seriesId)]
          : series.updatedSince(Date.now() - body.days! * DAY_MS, (body.limit ?? DEFAULT_SERIES_LIMIT) + 1);
      if (body.seriesId !== undefined && !series.exists(ids[0]!)) throw new VigilError('NOT_FOUND', 'no such series');
      report.truncated = body.days !== undefined && ids.length > (body.limit ?? DEFAULT_SERIES_LIMIT);
      const chosen = report.truncated ? ids.slice(0, -1) : ids;
      auditResources(req, chosen);
      for (const id of chosen) {
        try {
          const facts = await series.facts(id);
          if (facts) compare(id, facts, body.detail ?? body.seriesId !== undefined);
          else report.unreadable.push({ series: id, reason: 'no instances left' });
        } catch (err) {
          report.unreadable.push({ series: id, reason: isVigilError(err) ? err.code : 'the header could not be read' });
        }
      }
    }
    // The summary first: the full report on one series runs to hundreds of lines of JSON.
    res.json({ summary: summaryOf(report.series), differing: report.series.filter((s) => s.differs).length, ...report });
  });

  router.get('/series/:id/routing', allow('it', 'radiologist'), (req, res) => {
    const q = parseQuery(req, { limit: 'int' });
    const id = checkId(req.params.id);
    if (!series.exists(id)) throw new VigilError('NOT_FOUND', 'no such series');
    res.json(decisions.forSeries(id, Math.min(Math.max(q.limit ?? 20, 1), 100)));
  });

  return router;
}

/** A JSON body is the document; a YAML or text body is parsed, with its syntax problem if any. */
function documentOf(req: Request): unknown {
  if (typeof req.body !== 'string') return req.body ?? {};
  const parsed = parseRulesText(req.body);
  if ('error' in parsed)
    throw new VigilError('RULES_INVALID', `the rules text cannot be read: ${parsed.error.message}`, { extra: { errors: [parsed.error], warnings: [] } });
  return parsed.document;
}

function authorOf(req: Request): string {
  return req.auth?.tokenName ?? 'unknown';
}

function versionOf(raw: string | undefined): number {
  if (!raw || !/^\d{1,9}$/.test(raw)) throw new VigilError('BAD_REQUEST', 'a rules version is a whole number');
  return Number(raw);
}
