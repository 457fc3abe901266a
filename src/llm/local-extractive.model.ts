import { tokenizer } from '../text/tokenizer';
import {
  type AnswerRequest,
  type AnswerResult,
  type AnswerStream,
  ChatModel,
  type HistoryTurn,
  LlmAbortedError,
} from './chat-model';
import { contentTerms, plainSentences, sameSentenceKey } from './text-features';

const MAX_SENTENCES = 3;
const MAX_ANSWER_WORDS = 140;
const MAX_SUMMARY_WORDS = 120;

export const LOCAL_MODEL = 'local-extractive';

/**
 * The offline answerer: no model, no network. It answers with the sentences of the retrieved
 * passages that share the most (rarer) words with the question, each cited with its passage
 * number, and summarises clusters by their most central sentences. It cannot paraphrase, reason
 * or combine facts; it is there so Folio is useful, testable and honest with no LLM configured.
 */
export class LocalExtractiveModel extends ChatModel {
  readonly model = LOCAL_MODEL;

  answer(request: AnswerRequest): Promise<AnswerResult> {
    if (request.signal?.aborted) return Promise.reject(new LlmAbortedError());
    const text = extractAnswer(request);
    return Promise.resolve({ text, model: this.model, usage: usageOf(request, text) });
  }

  stream(request: AnswerRequest): AnswerStream {
    const text = extractAnswer(request);
    const model = this.model;
    return {
      result: () => ({ text, model, usage: usageOf(request, text) }),
      async *[Symbol.asyncIterator]() {
        // Word by word, as a model would stream, yielding to the event loop between pieces.
        for (const piece of text.match(/\S+\s*/g) ?? []) {
          if (request.signal?.aborted) throw new LlmAbortedError();
          yield piece;
          await Promise.resolve();
        }
      },
    };
  }

  summarize(texts: readonly string[]): Promise<AnswerResult> {
    const text = extractSummary(texts);
    return Promise.resolve({
      text,
      model: this.model,
      usage: {
        promptTokens: texts.reduce((n, t) => n + tokenizer.count(t), 0),
        completionTokens: tokenizer.count(text),
      },
    });
  }

  condense(history: readonly HistoryTurn[], question: string): Promise<AnswerResult> {
    const previous = [...history].reverse().find((t) => t.role === 'user');
    const text = previous ? `${previous.content} ${question}` : question;
    return Promise.resolve({ text, model: this.model, usage: { promptTokens: 0, completionTokens: 0 } });
  }
}

function usageOf(request: AnswerRequest, text: string): AnswerResult['usage'] {
  const prompt = request.question.length + request.passages.reduce((n, p) => n + p.text.length, 0);
  // Counting every passage token exactly costs more than answering; ~4 characters per token.
  return { promptTokens: Math.ceil(prompt / 4), completionTokens: tokenizer.count(text) };
}

/**
 * Picks the sentences sharing the most (rarer) words with the question. A follow-up chooses by
 * its standalone form, its own words counting double, and does not repeat what the previous
 * answer already said; no sentence is ever given twice (overlapping chunks share sentences).
 */
function extractAnswer(request: AnswerRequest): string {
  if (request.passages.length === 0) return 'None of the sources in these notebooks matches this question.';
  const own = new Set(contentTerms(request.question));
  const query = new Map<string, number>();
  for (const term of contentTerms(request.standaloneQuestion ?? request.question))
    query.set(term, own.has(term) ? 2 : 1);
  const previousAnswer = [...request.history].reverse().find((t) => t.role === 'assistant');
  const alreadySaid = new Set(
    previousAnswer ? plainSentences(stripCitations(previousAnswer.content)).map(sameSentenceKey) : [],
  );
  const candidates: { text: string; key: string; index: number; score: number }[] = [];
  const documentFrequency = new Map<string, number>();
  const split = request.passages.map((p) =>
    plainSentences(p.text).map((s) => ({ s, terms: new Set(contentTerms(s)) })),
  );
  for (const list of split)
    for (const { terms } of list)
      for (const term of terms)
        if (query.has(term)) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  const total = split.reduce((n, l) => n + l.length, 0);
  split.forEach((list, rank) => {
    list.forEach(({ s, terms }) => {
      let score = 0;
      for (const term of terms) {
        const df = documentFrequency.get(term);
        if (df) score += query.get(term)! * Math.log(1 + total / df);
      }
      if (score === 0) return;
      // Better-ranked passages first among equals; very long sentences are worth a bit less.
      score *= 1 / (1 + 0.1 * rank);
      score /= 1 + Math.max(0, terms.size - 25) / 50;
      candidates.push({ text: s, key: sameSentenceKey(s), index: request.passages[rank].index, score });
    });
  });
  const fresh = candidates.filter((c) => !alreadySaid.has(c.key));
  const pool = fresh.length > 0 ? fresh : candidates;
  if (pool.length === 0) {
    const first = request.passages[0];
    const lead = plainSentences(first.text)[0] ?? first.text.slice(0, 300);
    return `The sources do not answer this directly. The closest passage says: ${withStop(lead)} [${first.index}]`;
  }
  pool.sort((a, b) => b.score - a.score);
  const picked: typeof pool = [];
  let words = 0;
  for (const c of pool) {
    if (picked.length >= MAX_SENTENCES) break;
    if (picked.some((p) => p.key === c.key)) continue;
    const n = c.text.split(' ').length;
    if (picked.length > 0 && words + n > MAX_ANSWER_WORDS) continue;
    picked.push(c);
    words += n;
  }
  return picked.map((c) => `${withStop(c.text)} [${c.index}]`).join(' ');
}

const stripCitations = (text: string): string => text.replace(/\s*\[\d+\]/g, '');

function extractSummary(texts: readonly string[]): string {
  const seen = new Set<string>();
  const all = texts
    .flatMap((t) => plainSentences(t))
    .filter((s) => {
      const key = sameSentenceKey(s);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  if (all.length === 0) return texts.join(' ').slice(0, 600);
  const frequency = new Map<string, number>();
  const terms = all.map((s) => contentTerms(s));
  for (const list of terms) for (const t of new Set(list)) frequency.set(t, (frequency.get(t) ?? 0) + 1);
  const scored = all.map((s, i) => {
    const unique = new Set(terms[i]);
    let score = 0;
    for (const t of unique) score += frequency.get(t)! - 1;
    return { s, i, score: score / Math.sqrt(1 + unique.size) };
  });
  scored.sort((a, b) => b.score - a.score);
  // Sentences that share nothing with the rest of the cluster are off-topic for its summary.
  const central = scored[0].score > 0 ? scored.filter((c) => c.score > 0) : scored;
  const totalWords = all.reduce((n, s) => n + s.split(' ').length, 0);
  const budget = Math.min(MAX_SUMMARY_WORDS, Math.max(30, Math.ceil(totalWords / 2)));
  const picked: typeof scored = [];
  let words = 0;
  for (const c of central) {
    const n = c.s.split(' ').length;
    if (picked.length > 0 && words + n > budget) continue;
    picked.push(c);
    words += n;
    if (words >= budget) break;
  }
  return picked
    .sort((a, b) => a.i - b.i)
    .map((c) => withStop(c.s))
    .join(' ');
}

const withStop = (s: string): string => (/[.!?:;]$/.test(s) ? s : `${s}.`);
