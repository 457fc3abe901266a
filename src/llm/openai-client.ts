import OpenAI from 'openai';
import { type AppConfig } from '../config/app-config';

/**
 * The one OpenAI client of the process: OPENAI_BASE_URL makes it talk to Azure, Ollama, vLLM or
 * any compatible server. The SDK retries 408/409/429/5xx and connection errors itself, with
 * exponential backoff that honours Retry-After, up to OPENAI_MAX_RETRIES times.
 */
export function createOpenAiClient(config: AppConfig): OpenAI {
  return new OpenAI({
    apiKey: config.llm.openaiApiKey,
    baseURL: config.llm.openaiBaseUrl,
    timeout: config.openai.timeoutMs,
    maxRetries: config.openai.maxRetries,
  });
}
