import { RE2JS } from 're2js';

/**
 * Regular expressions IT writes in rules run on every series, so none may hang the node.
 *
 * We compile them with RE2JS, a JavaScript port of RE2: its automaton matches in time linear in
 * the input whatever the pattern, so catastrophic backtracking cannot happen, and the constructs
 * that need backtracking (backreferences, lookaround) are refused when the rule is checked.
 * A heuristic "nested quantifier" detector in front of V8's backtracking engine would have to be
 * right about every pattern; a linear-time engine does not need to be. On top of that, pattern
 * and input lengths are bounded so that compile time and the per-series cost stay small.
 * Matching ignores case, like the other comparisons, and finds the pattern anywhere in the value
 * (anchor with ^ and $ to match the whole value).
 */
export const MAX_PATTERN_LENGTH = 200;
export const MAX_INPUT_LENGTH = 1024;

export interface SafeRegex {
  /** The pattern as written. */
  source: string;
  test(input: string): boolean;
}

export function compileSafeRegex(source: string): SafeRegex | { error: string } {
  if (source.length === 0) return { error: 'must not be empty' };
  if (source.length > MAX_PATTERN_LENGTH) return { error: `is ${source.length} characters long; patterns may have at most ${MAX_PATTERN_LENGTH}` };
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source, RE2JS.CASE_INSENSITIVE);
  } catch (err) {
    // RE2JS explains what it refused (e.g. "invalid escape sequence: `\1`" for a backreference).
    return { error: `is not a pattern Vigil can run safely: ${(err as Error).message}` };
  }
  return {
    source,
    test: (input) => input.length <= MAX_INPUT_LENGTH && compiled.matcher(input).find(),
  };
}
