import { ForbiddenException, NotFoundException } from '@nestjs/common';
import { type Principal } from './principal';
import { requireAccess, type ResourceKind } from './resource-access';

interface Row {
  id: string;
  owner: string;
  shared: boolean;
}

const rows: Row[] = [
  { id: 'mine', owner: 'me', shared: false },
  { id: 'shared', owner: 'other', shared: true },
  { id: 'hidden', owner: 'other', shared: false },
];

/** Visible if owned or shared; changeable only if owned. */
const kind = (forbidden: string | null): ResourceKind<Row> & { loads: number } => {
  const k = {
    loads: 0,
    notFound: 'Row not found',
    load: (_auth: Principal, ids: readonly string[]) => {
      k.loads++;
      return Promise.resolve(rows.filter((row) => ids.includes(row.id)));
    },
    id: (row: Row) => row.id,
    visible: (auth: Principal, row: Row) => row.owner === auth.userId || row.shared,
    allows: (auth: Principal, row: Row, action: string) => action === 'read' || row.owner === auth.userId,
    forbidden: () => forbidden,
  };
  return k;
};

const me = { userId: 'me' } as Principal;

describe('requireAccess', () => {
  it('returns the resources in the order asked, duplicates removed, from one load', async () => {
    const k = kind('no');
    const result = await requireAccess(me, 'read', ['shared', 'mine', 'shared'], k);
    expect(result.map((r) => r.id)).toEqual(['shared', 'mine']);
    expect(k.loads).toBe(1);
  });

  it('answers 404 alike for a missing and a hidden resource', async () => {
    for (const id of ['missing', 'hidden']) {
      await expect(requireAccess(me, 'read', ['mine', id], kind('no'))).rejects.toThrow(
        new NotFoundException('Row not found'),
      );
    }
  });

  it('answers 403 for a visible resource the action is refused on, or 404 where the kind hides refusals', async () => {
    await expect(requireAccess(me, 'update', ['mine', 'shared'], kind('You may not update'))).rejects.toBeInstanceOf(
      ForbiddenException,
    );
    await expect(requireAccess(me, 'update', ['shared'], kind(null))).rejects.toBeInstanceOf(NotFoundException);
    await expect(requireAccess(me, 'update', ['mine'], kind('no'))).resolves.toHaveLength(1);
  });

  it('prefers 404 over 403 when both apply, so a refusal never confirms the hidden one exists', async () => {
    await expect(requireAccess(me, 'update', ['shared', 'hidden'], kind('no'))).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });
});
