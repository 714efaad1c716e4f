package dev.wharf.agent.routing;

/** A routing label (or variable) that cannot be used; the container it is on is skipped. */
final class LabelException extends Exception {

    private final String label;

    LabelException(String label, String value, String problem) {
        super(label + "='" + value + "' " + problem);
        this.label = label;
    }

    LabelException(String problem) {
        super(problem);
        this.label = null;
    }

    /** Why, in words that show no label value or address (for a public error page). */
    String publicReason() {
        return label != null ? "has an invalid label " + label : "has no address the proxy can reach";
    }
}
