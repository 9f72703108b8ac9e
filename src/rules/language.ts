import type { Priority } from '../domain/priority.js';
import type { AttributeRef } from './attributes.js';
import type { SafeRegex } from './safe-regex.js';

/**
 * The routing rule language, as data. A rule file (YAML or JSON) is parsed into these types by
 * parse-document.ts; nothing here is ever executed as code. config/README.md is the user guide.
 */

/** A literal a condition compares with: DICOM values are text or numbers. */
export type Literal = string | number;

/** A parsed condition: a tree of and/or/not over tests of one attribute each. */
export type Condition =
  | { op: 'all'; of: Condition[] }
  | { op: 'any'; of: Condition[] }
  | { op: 'not'; of: Condition }
  | { op: 'equals'; attr: AttributeRef; value: Literal }
  | { op: 'oneOf'; attr: AttributeRef; values: Literal[] }
  | { op: 'matches'; attr: AttributeRef; regex: SafeRegex }
  | { op: 'range'; attr: AttributeRef; min: number | undefined; max: number | undefined }
  | { op: 'present'; attr: AttributeRef }
  | { op: 'absent'; attr: AttributeRef };

export type ConditionOp = Condition['op'];
export type AttributeTest = Exclude<Condition, { op: 'all' | 'any' | 'not' }>;

/** What a matching rule asks for. */
export interface RuleAction {
  /** Model ids to run on the series (one triage job each). */
  models: string[];
  /** Worklist priority hint for those jobs. */
  priority: Priority;
  /** Destination AE titles (known modalities with a port) to forward the series to. */
  forward: string[];
}

/** Where a rule in force came from, so IT can tell a plugin default from their own rule. */
export type RuleOrigin = { kind: 'default'; plugin: string } | { kind: 'site' };

export interface Rule {
  id: string;
  description: string;
  enabled: boolean;
  when: Condition;
  then: RuleAction;
  /** A matching rule with stop ends the evaluation: later rules are not looked at. */
  stop: boolean;
  origin: RuleOrigin;
  /** Where the rule was written (e.g. rules.2 or defaults.stroke.0), for problems found later. */
  path: string;
  /** The rule as written, for versions, diffs and GET /rules. */
  written: WrittenRuleData;
}

/** A rule in its written form (JSON-safe), as a document or a plugin holds it. */
export type WrittenRuleData = { id: string } & Record<string, unknown>;

/** The ordered rules in force (or a draft), after defaults and the site file are combined. */
export interface RuleSet {
  rules: Rule[];
}

/** Rules a plugin ships, in the written form (what a rules file holds under `rules:`). */
export interface DefaultRules {
  plugin: string;
  rules: unknown[];
}

/** A problem found while reading or checking rules, with the path IT can look for. */
export interface RuleProblem {
  /** Dotted path into the document, e.g. rules.2.when.all.1.range.max */
  path: string;
  message: string;
}

/** The written keys of each condition kind, for messages and the README. */
export const VALUE_TESTS = ['equals', 'oneOf', 'matches', 'range'] as const;
export const PRESENCE_TESTS = ['present', 'absent'] as const;
export const COMBINATORS = ['all', 'any', 'not'] as const;

/**
 * Where default rules come from: each active plugin's `defaultRules` (definePlugin). In the node
 * the plugin host provides them (PluginHost.defaultRules()); tools without a node (the CLI,
 * tests) read them from the plugin definitions directly, the same way the host imports them.
 */
export type DefaultRulesProvider = () => DefaultRules[];
