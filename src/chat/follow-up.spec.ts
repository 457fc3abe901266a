import { standaloneQuery } from './follow-up';

describe(standaloneQuery.name, () => {
  const history = [
    { role: 'user' as const, content: 'How does the Pelican cache evict entries?' },
    { role: 'assistant' as const, content: 'After ninety seconds [1].' },
  ];

  it('borrows the previous question for follow-ups', () => {
    expect(standaloneQuery('And how long does it take?', history)).toContain('Pelican cache');
    expect(standaloneQuery('Why?', history)).toContain('Pelican cache');
  });

  it('keeps self-contained questions and first questions as they are', () => {
    const q = 'How many quorum votes does the albatross protocol require before failover?';
    expect(standaloneQuery(q, history)).toBe(q);
    expect(standaloneQuery('And why?', [])).toBe('And why?');
  });
});
