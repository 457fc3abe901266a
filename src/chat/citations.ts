/** A complete citation marker: `[1]`, `[2, 3]`. */
const MARKER = /^\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]$/;
/** What may still become one. */
const MARKER_PREFIX = /^\[[\d,\s]*$/;
const MAX_MARKER_LENGTH = 24;

/**
 * Keeps the citation markers that name a retrieved passage (1…count) and drops the others, on a
 * stream of deltas: text that might be the start of a marker (`[`, `[1`, `[1, 2`) is held back
 * until it closes or proves not to be one, so an invented marker never reaches the client even
 * when the model splits it across deltas. Inside `code` (between backticks) nothing is touched:
 * `a[0]` there is an index, not a citation.
 */
export class CitationStreamFilter {
  readonly cited = new Set<number>();
  private pending = '';
  private inCode = false;

  constructor(private readonly count: number) {}

  push(delta: string): string {
    let out = '';
    for (const ch of delta) {
      if (this.pending) {
        this.pending += ch;
        if (ch === ']') {
          out += this.check(this.pending);
          this.pending = '';
        } else if (!MARKER_PREFIX.test(this.pending) || this.pending.length > MAX_MARKER_LENGTH) {
          out += this.pending;
          this.pending = '';
        }
        continue;
      }
      if (ch === '`') this.inCode = !this.inCode;
      if (ch === '[' && !this.inCode) this.pending = '[';
      else out += ch;
    }
    return out;
  }

  flush(): string {
    const rest = this.pending;
    this.pending = '';
    return rest;
  }

  private check(marker: string): string {
    const match = MARKER.exec(marker);
    if (!match) return marker;
    const valid = match[1]
      .split(',')
      .map((n) => Number(n.trim()))
      .filter((n) => n >= 1 && n <= this.count);
    valid.forEach((n) => this.cited.add(n));
    return valid.length > 0 ? `[${valid.join(', ')}]` : '';
  }
}

/** The same check on a whole answer. */
export function checkCitations(text: string, count: number): { text: string; cited: Set<number> } {
  const filter = new CitationStreamFilter(count);
  const out = filter.push(text) + filter.flush();
  return { text: out, cited: filter.cited };
}
