package dev.ferry.sync;

import dev.ferry.mirror.go.GoAnswer;
import dev.ferry.mirror.go.GoModuleMirror;
import java.util.List;
import java.util.Objects;

/**
 * Runs items through the same mirror paths as client traffic: {@link GoModuleMirror#answer} for Go files (the body
 * is read to its end, so a miss is downloaded, checked and stored exactly as for a client, and a hit reads from the
 * store and asks no upstream), and {@link ImagePrewarmPlanner#fetch} for images.
 */
public final class MirrorItemRunner implements ItemRunner {
    private final GoModuleMirror go;
    private final ImagePrewarmPlanner images;

    /** @param images null when no registry is configured (image items then fail) */
    public MirrorItemRunner(GoModuleMirror go, ImagePrewarmPlanner images) {
        this.go = Objects.requireNonNull(go, "go");
        this.images = images;
    }

    @Override
    public Result run(PrewarmItem item) throws PrewarmFailure, InterruptedException {
        return switch (item) {
            case PrewarmItem.GoFile f -> goFile(f);
            case PrewarmItem.Image i -> {
                if (images == null) {
                    throw new PrewarmFailure(i + ": no OCI registry is configured");
                }
                yield images.fetch(i);
            }
        };
    }

    private Result goFile(PrewarmItem.GoFile f) throws PrewarmFailure, InterruptedException {
        GoAnswer answer = go.answer(f.request());
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        return switch (answer) {
            case GoAnswer.Content c -> {
                long n = Bodies.drain(c.body(), f.toString());
                yield new Result(n, List.of(new StoredContent.GoFile(f.module(), f.version(), f.ext(), c.etag(), n)));
            }
            case GoAnswer.NotFound nf ->
                throw new PrewarmFailure(f + ": " + (nf.gone() ? "gone" : "not found") + ": " + nf.reason());
            case GoAnswer.Unavailable u ->
                throw new PrewarmFailure(
                        f + ": " + (u.badGateway() ? "upstream gave bad content" : "no upstream could answer") + ": "
                                + u.reason());
        };
    }
}
