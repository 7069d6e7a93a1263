import { describe, expect, it } from '@jest/globals';
import { Page } from './page.js';
import { offsetOf } from './page-query.dto.js';

describe('Page', () => {
  it('computes total_pages, rounding up, and zero for an empty list', () => {
    expect(new Page('logs', [1, 2], 1, 20, 41).meta).toEqual({
      page: 1,
      page_size: 20,
      total: 41,
      total_pages: 3,
    });
    expect(new Page('logs', [], 1, 20, 0).meta?.total_pages).toBe(0);
  });

  it('an uncounted (keyset) page has no pagination block and keeps its extra data', () => {
    const p = new Page('signals', [1], 1, 20, -1, { next_cursor: 'abc' });
    expect(p.meta).toBeUndefined();
    expect(p.map((x) => x).extra).toEqual({ next_cursor: 'abc' });
  });

  it('map keeps the paging facts', () => {
    const p = new Page('n', [1, 2], 2, 2, 4).map((x) => x * 10);
    expect(p.items).toEqual([10, 20]);
    expect(p.meta).toEqual({ page: 2, page_size: 2, total: 4, total_pages: 2 });
  });

  it('a capped count says whether its total is a lower bound; an uncapped one does not mention it', () => {
    expect(new Page('signals', [1], 1, 20, 1000, {}, true).meta).toEqual({
      page: 1,
      page_size: 20,
      total: 1000,
      total_pages: 50,
      total_is_lower_bound: true,
    });
    expect(new Page('signals', [1], 1, 20, 7, {}, false).map((x) => x).meta?.total_is_lower_bound).toBe(
      false,
    );
    expect(new Page('logs', [1], 1, 20, 7).meta).not.toHaveProperty('total_is_lower_bound');
  });

  it('offsetOf is zero-based from page 1', () => {
    expect(offsetOf({ page: 1, page_size: 20 })).toBe(0);
    expect(offsetOf({ page: 3, page_size: 20 })).toBe(40);
  });
});
