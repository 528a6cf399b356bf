package dev.gatehouse.store;

import java.util.List;

/**
 * One page of a listing, in a stable order (by id).
 *
 * @param items this page's entities
 * @param nextPageToken the token for the next page, or {@code ""} on the last page (Cloud's convention)
 */
public record Page<T extends Entity>(List<T> items, String nextPageToken) {
  public Page {
    items = List.copyOf(items);
    nextPageToken = nextPageToken == null ? "" : nextPageToken;
  }
}
