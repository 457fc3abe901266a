const MARKER = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g;

/** Keeps the citation markers that name a retrieved passage (1…count); drops the others. */
export function checkCitations(text: string, count: number): { text: string; cited: Set<number> } {
  const cited = new Set<number>();
  const out = text.replace(MARKER, (_m, list: string) => {
    const valid = list
      .split(',')
      .map((n) => Number(n.trim()))
      .filter((n) => Number.isInteger(n) && n >= 1 && n <= count);
    valid.forEach((n) => cited.add(n));
    return valid.length > 0 ? `[${valid.join(', ')}]` : '';
  });
  return { text: out.replace(/ +([.,;:!?])/g, '$1').replace(/ {2,}/g, ' '), cited };
}

/**
 * The same check on a stream of deltas: text that might be the start of a marker (`[`, `[1`,
 * `[1, 2`) is held back until it closes or proves not to be one, so a bad marker never reaches
 * the client even when the model splits it across deltas.
 */
export class CitationStreamFilter {
  readonly cited = new Set<number>();
  private pending = '';

  constructor(private readonly count: number) {}

  push(delta: string): string {
    let out = '';
    for (const ch of delta) {
      if (this.pending) {
        this.pending += ch;
        if (ch === ']') {
          out += this.check(this.pending);
          this.pending = '';
        } else if (!/^\[[\d,\s]*$/.test(this.pending) || this.pending.length > 24) {
          out += this.pending;
          this.pending = '';
        }
      } else if (ch === '[') {
        this.pending = '[';
      } else {
        out += ch;
      }
    }
    return out;
  }

  flush(): string {
    const rest = this.pending;
    this.pending = '';
    return rest;
  }

  private check(marker: string): string {
    const { text, cited } = checkCitations(marker, this.count);
    cited.forEach((n) => this.cited.add(n));
    return text;
  }
}
