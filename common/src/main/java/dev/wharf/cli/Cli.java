package dev.wharf.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.util.function.Supplier;

/** The command-line conventions of {@code wharf-agent} and {@code wharf-proxy}. */
public final class Cli {

    private Cli() {
    }

    /**
     * A command whose bad options get one line naming the option and exit code 2 (not picocli's usage
     * dump), and whose failures get one log line and exit code 1 (the stack trace only at debug level).
     */
    public static CommandLine commandLine(Object command) {
        CommandLine commandLine = new CommandLine(command);
        String name = commandLine.getCommandName();
        Logger log = LoggerFactory.getLogger(command.getClass());
        commandLine.setParameterExceptionHandler((e, ignored) -> {
            e.getCommandLine().getErr().println(name + ": " + e.getMessage() + " (see --help)");
            return 2;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, ignored) -> {
            log.error("{}", e.getMessage(), log.isDebugEnabled() ? e : null);
            return 1;
        });
        return commandLine;
    }

    /** Runs a parser of an option's value; its IllegalArgumentException becomes a usage error naming the option. */
    public static <T> T option(CommandSpec spec, String option, Supplier<T> parser) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), (option == null ? "" : option + ": ") + e.getMessage());
        }
    }
}
