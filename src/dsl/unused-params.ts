/**
 * A parameter that nothing refers to has no effect: `params: { dimm: 32 }` in an ablation, meant for `dim`, would
 * train silently with the parent's value. So a parameter that the file being run declares, and that no value of
 * the resolved pipeline uses (directly or through another used parameter), is an error.
 *
 * Only parameters written in the file being run are checked, and before `--set`: a parent may declare parameters
 * for the nodes a child replaces (an ablation dropping a projection leaves its width unused), fragments are never
 * run, and `--set losses.amp=null` may remove a parameter's only use on purpose. `--set params.<typo>` is refused
 * where overrides are applied.
 */
import { UserError } from '../util/errors.js';
import { scanRefs } from './params.js';
import { closest } from './suggest.js';
import type { LMap, LNode } from './yaml-source.js';

class Malformed extends Error {}

/** The names referenced as `${name}` anywhere under `n`. */
function refsIn(n: LNode, out: Set<string>): Set<string> {
  if (n.kind === 'scalar') {
    if (typeof n.value === 'string' && n.value.includes('${')) {
      // A malformed reference is substitution's to report, with its position; here it just ends the scan.
      const stop = (): never => {
        throw new Malformed();
      };
      try {
        for (const r of scanRefs(n.value, stop)) out.add(r.name);
      } catch (e) {
        if (!(e instanceof Malformed)) throw e;
      }
    }
  } else if (n.kind === 'seq') n.items.forEach((it) => refsIn(it, out));
  else n.entries.forEach((v) => refsIn(v, out));
  return out;
}

/**
 * The error for the first parameter declared in `topFile` (the display name the loader gives the file being run)
 * that is never used, if any. `tree` is the merged document before substitution, so references are still
 * visible, and before `--set`, which may legitimately remove a parameter's only use (`--set losses.amp=null`).
 */
export function unusedParamError(tree: LMap, topFile: string): UserError | undefined {
  const params = tree.entries.get('params');
  if (params?.kind !== 'map') return undefined;
  const used = new Set<string>();
  // Every section but params itself and sweep (which lists values *for* parameters) uses parameters directly.
  for (const [k, v] of tree.entries) if (k !== 'params' && k !== 'sweep') refsIn(v, used);
  // A document that refers to no parameter at all is a resolved one (a run's pipeline.yaml, a sweep point): its
  // values were substituted and its params are kept as a record.
  if (used.size === 0) return undefined;
  // A parameter used by a used parameter is used too.
  const queue = [...used];
  while (queue.length) {
    const def = params.entries.get(queue.pop()!);
    if (!def) continue;
    for (const name of refsIn(def, new Set()))
      if (!used.has(name)) {
        used.add(name);
        queue.push(name);
      }
  }
  for (const [name, def] of params.entries) {
    const at = def.keyLoc ?? def.loc;
    if (used.has(name) || at.file !== topFile) continue;
    const near = closest(name, used);
    const hint = near !== undefined ? ` (did you mean '${near}'? \${${near}} is used)` : '';
    return new UserError(
      `parameter '${name}' is declared but no node, loss, train or eval value uses it, so it would have no effect${hint}; ` +
        `use it as \${${name}} or remove it`,
      at,
    );
  }
  return undefined;
}
