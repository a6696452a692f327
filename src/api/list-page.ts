// The envelope of list responses whose cursor is the last id of the previous page.

/** Wraps one page of objects; pass `after=last_id` to get the next page while has_more is true. */
export function idListPage<T extends { id: string }>(data: T[], hasMore: boolean) {
  return {
    object: "list" as const,
    data,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
    has_more: hasMore,
  };
}
