package dev.ferry.protocols.semver;

import dev.ferry.protocols.FormatException;

/**
 * A semantic version in Go's dialect (golang.org/x/mod/semver, module.CanonicalVersion, pseudo-versions).
 * STUB: signatures are the contract; the protocols work fills in the rules.
 */
public final class Version implements Comparable<Version> {

    private Version() {}

    /** Parses any version Go's semver package accepts (v1, v1.2, v1.2.3-pre+build); throws otherwise. */
    public static Version parse(String text) throws FormatException {
        throw new UnsupportedOperationException("todo");
    }

    /** Parses and insists on canonical form (vMAJOR.MINOR.PATCH[-pre][+incompatible]), as proxy URLs require. */
    public static Version parseCanonical(String text) throws FormatException {
        throw new UnsupportedOperationException("todo");
    }

    public boolean isCanonical() { throw new UnsupportedOperationException("todo"); }
    public Version canonical() { throw new UnsupportedOperationException("todo"); }
    /** "v2" for v2.3.4. */
    public String major() { throw new UnsupportedOperationException("todo"); }
    public boolean isPrerelease() { throw new UnsupportedOperationException("todo"); }
    public boolean isIncompatible() { throw new UnsupportedOperationException("todo"); }
    public boolean isPseudo() { throw new UnsupportedOperationException("todo"); }

    /** semver.Compare order; build metadata other than +incompatible is ignored. */
    @Override
    public int compareTo(Version other) { throw new UnsupportedOperationException("todo"); }

    /** The text as given. */
    @Override
    public String toString() { throw new UnsupportedOperationException("todo"); }
}
