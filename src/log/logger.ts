import path from 'node:path';
import fs from 'node:fs';
import winston from 'winston';
import type { LogConfig } from '../config/sections/log.js';
import { isSensitiveKey, redactValue, REDACTED } from './redact.js';

export type Logger = winston.Logger;

const MESSAGE = Symbol.for('message');
const LEVEL = Symbol.for('level');

/**
 * Every record, whatever its level or source, passes here before any transport sees it: fields
 * named for patient data are blanked and errors are described by code and class (src/log/redact.ts).
 * The message is a fixed text written by the caller and is left as it is.
 */
const redact = winston.format((info) => {
  const record = info as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key === 'level' || key === 'timestamp' || key === 'message') continue;
    record[key] = isSensitiveKey(key) ? REDACTED : redactValue(record[key]);
  }
  return info;
});

/** `auto` is text for a person at a terminal, JSON lines for whatever reads a pipe or a file. */
export function resolveFormat(format: LogConfig['format'], stdoutIsTerminal: boolean): 'json' | 'text' {
  if (format !== 'auto') return format;
  return stdoutIsTerminal ? 'text' : 'json';
}

/**
 * Structured logs (JSON lines, or text on a terminal) on stdout and optionally a file. Components log
 * through `logger.child({ component })`.
 */
export function createLogger(
  config: LogConfig,
  dataDir: string,
  opts: { console?: boolean; transports?: winston.transport[]; stdoutIsTerminal?: boolean } = {},
): Logger {
  const format =
    resolveFormat(config.format, opts.stdoutIsTerminal ?? process.stdout.isTTY === true) === 'json'
      ? winston.format.combine(redact(), winston.format.timestamp(), winston.format.json())
      : winston.format.combine(
          redact(),
          winston.format.timestamp(),
          winston.format.printf((info) => {
            const { timestamp, level, message, component, ...rest } = info;
            delete (rest as Record<symbol, unknown>)[LEVEL];
            delete (rest as Record<symbol, unknown>)[MESSAGE];
            const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
            return `${String(timestamp)} ${level.padEnd(5)} ${typeof component === 'string' && component ? `[${component}] ` : ''}${String(message)}${extra}`;
          }),
        );
  const transports: winston.transport[] = [...(opts.transports ?? [])];
  if (opts.console !== false) transports.push(new winston.transports.Console({ stderrLevels: [] }));
  if (config.file) {
    const file = path.resolve(dataDir, config.file);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // `auto` means text for the person at the terminal; a file is read by tools, so it stays JSON.
    transports.push(new winston.transports.File({ filename: file, ...(config.format === 'auto' && { format: winston.format.json() }) }));
  }
  return skipDisabledLevels(winston.createLogger({ level: config.level, format, transports }));
}

/**
 * winston runs every record through the logger's format (redaction, timestamp, JSON) before
 * its transports look at the level, so a debug line cost the same at level warn as at debug:
 * about a twentieth of the receiving thread's time per instance. The level methods now return
 * at once when no transport would take the record. Child loggers inherit the check.
 */
function skipDisabledLevels(logger: Logger): Logger {
  const methods = logger as unknown as Record<string, (...args: unknown[]) => Logger>;
  for (const level of Object.keys(logger.levels)) {
    const write = methods[level]!;
    methods[level] = function (this: Logger, ...args: unknown[]): Logger {
      return this.isLevelEnabled(level) ? write.apply(this, args) : this;
    };
  }
  return logger;
}

/** A logger that drops everything: for tests and library use without a node. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
