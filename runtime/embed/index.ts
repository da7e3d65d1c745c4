/**
 * edgeloop's embed: the `<edge-model>` element for any page, by script tag (the build in
 * dist-embed/, docs/EMBED.md) or from the package. Public names by section.
 */

// ### The element
export { defineEdgeModel, type DefineEdgeModelOptions, type EdgeModelDefinition } from './define-edge-model.ts';
export type { EdgeModelElement, EdgeModelErrorDetail, EdgeModelInput, EdgeModelProgress } from './edge-model-element.ts';

// ### Attributes (for tools that write the element's markup)
export { EDGE_MODEL_ATTRIBUTES, readElementConfig, resultRows, type EdgeModelConfig, type ModelSourceConfig, type ResultRow } from './element-config.ts';
