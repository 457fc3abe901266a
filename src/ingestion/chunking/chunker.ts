import { createHash } from 'node:crypto';
import { type ChunkPosition } from '../../chunks/chunk.entity';
import { type Block } from '../document';
import { tokenizer } from '../../text/tokenizer';

export interface ChunkingOptions {
  targetTokens: number;
  overlapTokens: number;
}

export interface DraftChunk {
  ordinal: number;
  text: string;
  tokenCount: number;
  contentHash: string;
  position: ChunkPosition;
}

interface Piece {
  text: string;
  tokens: number;
  block: Block;
  /** True where a new section (heading or page) starts. */
  boundary: boolean;
}

const SENTENCE = /(?<=[.!?])\s+(?=[\p{Lu}\p{N}"'([])/u;

/**
 * Token-aware, structure-respecting chunking. Blocks are packed in order into chunks of up to
 * `targetTokens`; a new section (heading path or page) starts a new chunk unless the current one
 * is still small (a quarter of the target), so tiny sections merge instead of becoming noise.
 * A block too large for one chunk is split by sentences (prose) or lines (code, tables), and a
 * sentence or line still too large by tokens. Consecutive chunks of one section overlap by about
 * `overlapTokens`; chunks never overlap across sections.
 */
export function chunkBlocks(blocks: readonly Block[], options: ChunkingOptions): DraftChunk[] {
  // Long blocks are cut a little below the target so the next chunk has room for the overlap.
  const pieces = toPieces(blocks, options.targetTokens, Math.max(1, options.targetTokens - options.overlapTokens));
  const chunks: DraftChunk[] = [];
  let current: Piece[] = [];
  let tokens = 0;

  const emit = (): void => {
    if (current.length === 0) return;
    const text = current.map((p) => p.text).join(separator(current));
    chunks.push({
      ordinal: chunks.length,
      text,
      tokenCount: tokenizer.count(text),
      contentHash: createHash('sha256').update(text).digest('hex'),
      position: positionOf(current.map((p) => p.block)),
    });
  };

  for (const piece of pieces) {
    const sectionBreak = piece.boundary && tokens >= options.targetTokens / 4;
    // Each piece after the first also brings its separator ("\n" or "\n\n"): about a token.
    if (current.length > 0 && (tokens + 1 + piece.tokens > options.targetTokens || sectionBreak)) {
      emit();
      let carry = sectionBreak ? [] : overlapOf(current, options.overlapTokens);
      let carried = carry.reduce((n, p) => n + p.tokens + 1, 0);
      // The overlap must not push the next chunk past the target.
      if (carried + piece.tokens > options.targetTokens) {
        carry = [];
        carried = 0;
      }
      current = carry;
      tokens = carried;
    }
    tokens += piece.tokens + (current.length > 0 ? 1 : 0);
    current.push(piece);
  }
  emit();
  return chunks;
}

function toPieces(blocks: readonly Block[], target: number, splitTarget: number): Piece[] {
  const pieces: Piece[] = [];
  let previous: Block | undefined;
  for (const block of blocks) {
    const boundary =
      previous !== undefined &&
      (block.page !== previous.page ||
        (block.headingPath ?? []).join('\u0000') !== (previous.headingPath ?? []).join('\u0000'));
    previous = block;
    const tokens = tokenizer.count(block.text);
    if (tokens <= target) {
      pieces.push({ text: block.text, tokens, block, boundary });
      continue;
    }
    const parts = block.split === 'lines' ? block.text.split('\n') : block.text.split(SENTENCE);
    let first = true;
    for (const part of groupParts(parts, block.split === 'lines' ? '\n' : ' ', splitTarget)) {
      pieces.push({ ...part, block: subBlock(block, part.lineOffset, part.lineCount), boundary: boundary && first });
      first = false;
    }
  }
  return pieces;
}

/** Packs sentences or lines into pieces of at most `target` tokens; splits any that alone exceed it. */
function* groupParts(
  parts: string[],
  joiner: string,
  target: number,
): Generator<{ text: string; tokens: number; lineOffset: number; lineCount: number }> {
  let buffer: string[] = [];
  let tokens = 0;
  let lineOffset = 0;
  let bufferStart = 0;
  const flush = function* (): Generator<{ text: string; tokens: number; lineOffset: number; lineCount: number }> {
    if (buffer.length > 0) {
      yield { text: buffer.join(joiner), tokens, lineOffset: bufferStart, lineCount: buffer.length };
    }
    buffer = [];
    tokens = 0;
  };
  for (const part of parts) {
    const partTokens = tokenizer.count(part);
    if (partTokens > target) {
      yield* flush();
      for (const text of tokenizer.split(part, target)) {
        yield { text, tokens: tokenizer.count(text), lineOffset, lineCount: 1 };
      }
      lineOffset += 1;
      bufferStart = lineOffset;
      continue;
    }
    if (tokens + partTokens > target) {
      yield* flush();
      bufferStart = lineOffset;
    }
    if (buffer.length === 0) bufferStart = lineOffset;
    buffer.push(part);
    tokens += partTokens + (joiner === ' ' ? 0 : 1);
    lineOffset += 1;
  }
  yield* flush();
}

/**
 * The trailing pieces of a chunk worth about `overlap` tokens, to start the next one: whole
 * pieces when they fit, else the last whole lines (code, tables) or sentences (prose) of the
 * last piece, else — prose only — its last tokens, cut at a word.
 */
function overlapOf(pieces: Piece[], overlap: number): Piece[] {
  if (overlap <= 0) return [];
  const last = pieces[pieces.length - 1];
  if (last.tokens <= overlap) {
    const carry: Piece[] = [];
    let tokens = 0;
    for (let i = pieces.length - 1; i >= 0 && tokens + pieces[i].tokens <= overlap; i--) {
      carry.unshift({ ...pieces[i], boundary: false });
      tokens += pieces[i].tokens;
    }
    return carry;
  }
  const byLines = last.block.split === 'lines';
  const parts = byLines ? last.text.split('\n') : last.text.split(SENTENCE);
  const kept: string[] = [];
  let tokens = 0;
  for (let i = parts.length - 1; i > 0; i--) {
    const n = tokenizer.count(parts[i]);
    if (tokens + n > overlap) break;
    kept.unshift(parts[i]);
    tokens += n;
  }
  if (kept.length > 0) {
    const text = kept.join(byLines ? '\n' : ' ');
    const block =
      byLines && last.block.lineEnd !== undefined
        ? { ...last.block, lineStart: last.block.lineEnd - kept.length + 1 }
        : last.block;
    return [{ text, tokens: tokenizer.count(text), block, boundary: false }];
  }
  if (byLines) return [];
  const tail = tokenizer.tail(last.text, overlap).replace(/^\S*\s/, '');
  return tail ? [{ ...last, text: tail, tokens: tokenizer.count(tail), boundary: false }] : [];
}

function subBlock(block: Block, lineOffset: number, lineCount: number): Block {
  if (block.split !== 'lines' || block.lineStart === undefined) return block;
  return { ...block, lineStart: block.lineStart + lineOffset, lineEnd: block.lineStart + lineOffset + lineCount - 1 };
}

function separator(pieces: Piece[]): string {
  return pieces.every((p) => p.block.split === 'lines') ? '\n' : '\n\n';
}

function positionOf(blocks: Block[]): ChunkPosition {
  const position: ChunkPosition = {};
  const content = blocks.find((b) => !b.heading && b.headingPath?.length) ?? blocks[0];
  if (content.headingPath?.length) position.headingPath = content.headingPath;
  const pages = blocks.map((b) => b.page).filter((p): p is number => p !== undefined);
  if (pages.length > 0) {
    position.page = Math.min(...pages);
    const end = Math.max(...pages);
    if (end !== position.page) position.pageEnd = end;
  }
  const starts = blocks.map((b) => b.lineStart).filter((l): l is number => l !== undefined);
  const ends = blocks.map((b) => b.lineEnd ?? b.lineStart).filter((l): l is number => l !== undefined);
  if (starts.length > 0) {
    position.lineStart = Math.min(...starts);
    position.lineEnd = Math.max(...ends);
  }
  const rowStarts = blocks.map((b) => b.rowStart).filter((r): r is number => r !== undefined);
  if (rowStarts.length > 0) {
    position.rowStart = Math.min(...rowStarts);
    position.rowEnd = Math.max(...blocks.map((b) => b.rowEnd ?? b.rowStart ?? 0));
  }
  return position;
}
