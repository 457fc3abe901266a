import { contentTerms } from '../llm/text-features';
import { type HistoryTurn } from '../llm/chat-model';

const REFERRING =
  /\b(it|its|that|this|these|those|they|them|their|he|she|him|her|there|one|ones|same|former|latter)\b/i;
const CONTINUING =
  /^\s*(and|also|but|so|then|what about|how about|why|why not|how so|more|else|which one|what else)\b/i;

/**
 * The question to retrieve with, without an extra LLM call: a follow-up ("what about its
 * limits?", "and in Python 2?") borrows the words of the previous question, so retrieval finds
 * what the conversation is about; a self-contained question is used as it is.
 */
export function standaloneQuery(question: string, history: readonly HistoryTurn[]): string {
  const previous = [...history].reverse().find((t) => t.role === 'user');
  if (!previous) return question;
  const followUp = contentTerms(question).length <= 3 || REFERRING.test(question) || CONTINUING.test(question);
  return followUp ? `${previous.content}\n${question}` : question;
}
