import { LocalExtractiveModel } from './local-extractive.model';

describe(LocalExtractiveModel.name, () => {
  const sut = new LocalExtractiveModel();
  const passages = [
    {
      index: 1,
      title: 'a',
      text: 'The cluster has five nodes. Certificates are rotated every seventeen days by the operator.',
    },
    { index: 2, title: 'b', text: 'Pelican caches evict entries after ninety seconds. Hot keys are refreshed.' },
  ];

  it('answers with the most relevant sentences, cited by passage', async () => {
    const result = await sut.answer({ question: 'How often are certificates rotated?', passages, history: [] });
    expect(result.text).toMatch(/^Certificates are rotated every seventeen days by the operator\. \[1\]/);
    expect(result.model).toBe('local-extractive');
    expect(result.usage.completionTokens).toBeGreaterThan(0);
  });

  it('streams the same answer word by word', async () => {
    const stream = sut.stream({ question: 'When do pelican caches evict entries?', passages, history: [] });
    const pieces: string[] = [];
    for await (const piece of stream) pieces.push(piece);
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.join('')).toBe(stream.result().text);
    expect(stream.result().text).toContain('[2]');
  });

  it('says so when nothing matches', async () => {
    expect((await sut.answer({ question: 'x', passages: [], history: [] })).text).toMatch(/None of the sources/);
  });

  it('summarises by the most central sentences', async () => {
    const result = await sut.summarize([
      'Kestrel nodes rotate certificates. Kestrel nodes elect a leader.',
      'Leader election in Kestrel needs three votes. Unrelated trivia about birds.',
    ]);
    expect(result.text).toContain('Kestrel');
    expect(result.text).not.toContain('birds');
  });
});
