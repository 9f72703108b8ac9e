import { expect } from 'chai';
import { createLogger } from '../../src/log/logger.js';
import { CaptureTransport } from '../helpers/log-capture.js';

describe('log/logger: records below the level cost nothing', () => {
  it('never formats a record no transport takes, and still writes the rest, from child loggers too', () => {
    const capture = new CaptureTransport();
    const logger = createLogger({ level: 'warn', format: 'json' }, '/tmp', { console: false, transports: [capture] });
    const child = logger.child({ component: 'test' });
    let formatted = 0;
    const meta = {
      get probe() {
        formatted++; // the redaction format reads every field of a record it formats
        return 'x';
      },
    };
    child.debug('quiet', meta);
    logger.info('quiet too', meta);
    expect(formatted).to.equal(0);
    child.warn('heard', { detail: 1 });
    logger.error('heard too');
    const written = () => capture.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(written().map((r) => [r.message, r.component])).to.deep.equal([
      ['heard', 'test'],
      ['heard too', undefined],
    ]);
    logger.level = 'debug';
    child.debug('now heard', meta);
    expect(formatted).to.be.greaterThan(0);
    expect(written().at(-1)).to.include({ message: 'now heard', probe: 'x' });
  });
});
