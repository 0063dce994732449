package dev.katajava.shim;

import dev.katajava.shim.cli.DeleteCommand;
import dev.katajava.shim.cli.StartCommand;
import java.io.PrintStream;

/**
 * Entry point of containerd-shim-kata-v2. containerd runs it with an action ({@code start},
 * {@code delete}) whose stdout is part of the contract; a {@code start} that makes a new sandbox goes on as
 * its long-lived daemon.
 */
public final class ShimMain {
    public static final String VERSION = "0.1.0";

    private ShimMain() {
    }

    public static void main(String[] args) {
        // Nothing may reach stdout but the contract's bytes; keep a handle to it and silence System.out.
        PrintStream contractOut = System.out;
        System.setOut(System.err);
        ShimFlags flags;
        try {
            flags = ShimFlags.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        if (flags.version()) {
            contractOut.println("containerd-shim-kata-v2 (kata-java) version " + VERSION);
            contractOut.flush();
            System.exit(0);
        }
        int code = switch (flags.action()) {
            case "start" -> StartCommand.run(flags, contractOut);
            case "delete" -> DeleteCommand.run(flags, contractOut);
            default -> {
                System.err.println("unknown action \"" + flags.action() + "\" (expected start or delete)");
                yield 2;
            }
        };
        System.exit(code);
    }
}
