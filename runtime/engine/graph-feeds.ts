/**
 * Pairs named inputs with a graph's own input names, the same way for every engine: by
 * name, except that a graph with one input takes the one input it is given whatever
 * its name (packages made before named inputs call theirs `input`).
 */
import { EdgeloopError } from '../../format/index.ts';
import type { BackendId, NamedTensor, NamedTensors } from './types.ts';

/**
 * The graph's inputs, in the graph's order, each with the tensor it gets.
 *
 * @throws EdgeloopError `INFERENCE_FAILED` listing both sets of names when the given
 *   inputs are not exactly the graph's.
 */
export function graphFeeds(graphInputs: readonly string[], inputs: NamedTensors, backend: BackendId): Array<[string, NamedTensor]> {
  const given = Object.keys(inputs);
  if (graphInputs.length === 1 && given.length === 1) return [[graphInputs[0]!, inputs[given[0]!]!]];
  const missing = graphInputs.filter((name) => !Object.hasOwn(inputs, name));
  const unknown = given.filter((name) => !graphInputs.includes(name));
  if (missing.length > 0 || unknown.length > 0) {
    const parts = [missing.length > 0 ? `no value for ${list(missing)}` : '', unknown.length > 0 ? `${list(unknown)} ${unknown.length === 1 ? 'is' : 'are'} not among them` : ''];
    throw new EdgeloopError(
      'INFERENCE_FAILED',
      `the model on ${backend} takes the inputs ${list(graphInputs)}: ${parts.filter(Boolean).join('; ')}. manifest.inputs must name every input of the model as the model names it`,
      { details: { backend, graphInputs: [...graphInputs], given } },
    );
  }
  return graphInputs.map((name) => [name, inputs[name]!]);
}

function list(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(', ');
}
