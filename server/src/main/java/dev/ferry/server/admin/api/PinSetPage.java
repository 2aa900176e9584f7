package dev.ferry.server.admin.api;

import java.util.List;

/**
 * {@code GET /admin/api/pin-sets?prefix=&after=&limit=}: pin sets whose name starts with {@code prefix}, in name
 * order, a page at a time (what {@code GET /admin/api/pins} lists all at once).
 */
public record PinSetPage(String prefix, List<PinSets.PinSet> pinSets, String next) {}
