package dev.ferry.upstreams.vcs;

import dev.ferry.protocols.FormatException;
import java.util.regex.Pattern;

/**
 * A user name and password (or token) for one version-control host, written to the sandbox's netrc for the fetch
 * and nowhere else. {@link #toString()} hides the password, so a log line or exception that prints the record
 * never shows it.
 */
public record VcsCredential(String host, String username, String password) {
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.\\-]{1,253}");
    /** netrc has no quoting that every reader agrees on: no whitespace, no control characters. */
    private static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7e]{1,4096}");

    public VcsCredential {
        if (host == null || !HOST.matcher(host).matches()) {
            throw new FormatException("credential host \"" + host + "\" is not a host name");
        }
        if (username == null || !TOKEN.matcher(username).matches()) {
            throw new FormatException("credential for " + host + ": the username must be printable ASCII without"
                    + " spaces (netrc cannot carry more)");
        }
        if (password == null || !TOKEN.matcher(password).matches()) {
            throw new FormatException("credential for " + host + ": the password must be printable ASCII without"
                    + " spaces (netrc cannot carry more)");
        }
    }

    /** The netrc line. */
    String netrcLine() {
        return "machine " + host + " login " + username + " password " + password + "\n";
    }

    @Override
    public String toString() {
        return "VcsCredential[host=" + host + ", username=" + username + ", password=***]";
    }
}
