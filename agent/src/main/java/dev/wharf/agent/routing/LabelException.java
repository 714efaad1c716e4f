package dev.wharf.agent.routing;

/** A routing label (or variable) that cannot be used; the container it is on is skipped. */
final class LabelException extends Exception {

    LabelException(String label, String value, String problem) {
        super(label + "='" + value + "' " + problem);
    }

    LabelException(String problem) {
        super(problem);
    }
}
