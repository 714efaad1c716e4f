package dev.wharf.proxy.tls;

import java.nio.file.Path;
import java.util.List;

/**
 * A certificate given as files, as Hipache's {@code https} block does: {@code cert}, {@code key} and optional
 * {@code ca} files completing the chain.
 */
public record CertificateFiles(Path cert, Path key, List<Path> chain) {

    public CertificateFiles {
        chain = List.copyOf(chain);
    }
}
