// The right pane of the model rules screen as plain rows, in base-list order: each model as the
// client sees it, or excluded with the pattern that removed it. Words and markers carry the meaning
// (`✕ … excluded by`, `←`, `fork`), colour only repeats it. Names as every rule shows them
// (shownModelName: a key given as a name masked).
import {shownModelName as shown, type ModelResolution} from '../../../core/model-rules.js';

export interface PreviewRow {
  key: string;
  kind: 'model' | 'alias' | 'fork' | 'excluded';
  text: string;
  note?: string;
}

export function previewRows(resolution: ModelResolution): PreviewRow[] {
  const rows: PreviewRow[] = [];
  for (const id of resolution.base) {
    const excluded = resolution.excluded.find((e) => e.id === id);
    if (excluded) {
      rows.push({key: `x:${id}`, kind: 'excluded', text: `✕ ${shown(id)}`, note: `excluded by "${shown(excluded.pattern)}"`});
      continue;
    }
    for (const model of resolution.models.filter((m) => m.upstream === id)) {
      const sent = model.sentAs === model.upstream ? undefined : `sent as ${shown(model.sentAs)}`;
      if (model.kind === 'original') rows.push({key: `m:${model.id}`, kind: 'model', text: `  ${shown(model.id)}`, note: sent});
      else {
        const text = `  ${shown(model.id)} ← ${shown(model.upstream)}`;
        const note = [model.kind === 'fork' ? 'fork' : undefined, sent].filter(Boolean).join(', ') || undefined;
        rows.push({key: `a:${model.id}`, kind: model.kind, text, note});
      }
    }
  }
  return rows;
}
