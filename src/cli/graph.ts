import { compileSymbolic, loadChecked } from '../graph/stages.js';
import { checkPipelinePath } from './pipeline-path.js';
import { renderDot, renderMermaid, renderText } from '../graph/render.js';

export async function cmdGraph(
  file: string,
  flags: { format: 'text' | 'dot' | 'mermaid'; set: string[] },
): Promise<void> {
  const loaded = loadChecked(checkPipelinePath(file), flags.set);
  const g = compileSymbolic(loaded);
  const name = loaded.pipeline.name;
  const text =
    flags.format === 'dot' ? renderDot(g, name) : flags.format === 'mermaid' ? renderMermaid(g) : renderText(g, name);
  process.stdout.write(text + '\n');
}
