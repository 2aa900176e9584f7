/**
 * Prewarm: plans that say what to fetch ({@link dev.ferry.sync.GoPrewarmPlanner} from a go.mod, a go.sum or
 * queries; {@link dev.ferry.sync.ImagePrewarmPlanner} from image references; {@link dev.ferry.sync.MirrorSet} files)
 * and {@link dev.ferry.sync.PrewarmJob}s that fetch it through the mirror's own paths, as client traffic does (same
 * failover, same checks before storing, nothing fetched twice), with {@link dev.ferry.sync.JobRegistry} keeping
 * them by id. No HTTP here: the server maps its admin API onto these classes.
 */
package dev.ferry.sync;
