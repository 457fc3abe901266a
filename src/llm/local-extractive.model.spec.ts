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

  it('answers in plain sentences: no Markdown or HTML markup, no headings', async () => {
    const markdown = [
      '## How to rotate certificates',
      '',
      '- **Certificates** are rotated with `kestrel rotate` every [seventeen days](https://example.com/policy).',
      '> The <em>operator</em> rotates certificates after an alert.',
      '| Certificates | rotated by | the operator |',
    ].join('\n');
    const result = await sut.answer({
      question: 'How are certificates rotated?',
      passages: [{ index: 1, title: 'a', text: markdown }],
      history: [],
    });
    expect(result.text).toContain('Certificates are rotated with kestrel rotate every seventeen days. [1]');
    expect(result.text).toContain('The operator rotates certificates after an alert. [1]');
    expect(result.text).not.toMatch(/[#*`|>]|\]\(|<em>|How to rotate/);
  });

  it('never gives a sentence twice, though overlapping chunks hold it twice', async () => {
    const shared = 'Certificates are rotated every seventeen days by the operator.';
    const result = await sut.answer({
      question: 'How often are certificates rotated?',
      passages: [
        { index: 1, title: 'a', text: `The cluster has five nodes. ${shared}` },
        { index: 2, title: 'a', text: `${shared} Rotated certificates are logged.` },
        { index: 3, title: 'a', text: `# Certificates\n\n**${shared.slice(0, -1)}**.` },
      ],
      history: [],
    });
    expect(result.text.split('rotated every seventeen days')).toHaveLength(2);
  });

  it('answers a follow-up by its standalone form, without repeating the previous answer', async () => {
    const result = await sut.answer({
      question: 'and how long does it take?',
      standaloneQuestion: 'How does the Pelican cache evict entries?\nand how long does it take?',
      history: [
        { role: 'user', content: 'How does the Pelican cache evict entries?' },
        { role: 'assistant', content: 'Pelican caches evict entries after ninety seconds. [1]' },
      ],
      passages: [
        {
          index: 1,
          title: 'cache',
          text: 'Pelican caches evict entries after ninety seconds. Hot keys are refreshed.',
        },
        { index: 2, title: 'cache', text: 'An eviction sweep of the Pelican cache takes about five minutes.' },
      ],
    });
    expect(result.text).toMatch(/^An eviction sweep of the Pelican cache takes about five minutes\. \[2\]/);
    expect(result.text).not.toMatch(/do not answer|ninety seconds/);
  });
});
