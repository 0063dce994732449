package dev.katajava.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A stand-in for the QEMU binary, run as its own process: it takes QEMU's command line, serves QMP on the
 * -qmp socket (greeting, qmp_capabilities, query-status, cont, quit) and, once continued, writes to the
 * -serial file what the guest would. Firmware text always comes first, as SeaBIOS prints it; then, under
 * TCG, kata-init's first line; under KVM only when {@code STANDIN_KVM_GUEST=boots}, otherwise nothing
 * more: the guest kernel hangs, as Debian's does on nested paravirtual KVM. Each launch appends its
 * accelerator to {@code standin-launches} beside the -pidfile.
 */
public final class StandInQemu {
    static final String FIRMWARE = "\u001bc\u001b[?7l\u001b[2J\u001b[0mSeaBIOS (version 1.16.2-debian-1.16.2-1)\r\n"
            + "Booting from ROM..";
    static final String INIT_LINE = "kata-init: starting agent\n";
    private static final ObjectMapper JSON = new ObjectMapper();

    private StandInQemu() {
    }

    public static void main(String[] args) throws IOException {
        List<String> argv = List.of(args);
        String accel = beforeComma(value(argv, "-accel"));
        Path serial = Path.of(value(argv, "-serial").substring("file:".length()));
        Path qmp = Path.of(beforeComma(value(argv, "-qmp").substring("unix:".length())));
        Path pidFile = Path.of(value(argv, "-pidfile"));
        Files.writeString(pidFile.resolveSibling("standin-launches"), accel + "\n", StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        boolean guestBoots = !accel.equals("kvm") || "boots".equals(System.getenv("STANDIN_KVM_GUEST"));
        Files.deleteIfExists(qmp);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(qmp));
            try (SocketChannel peer = server.accept()) {
                serve(peer, serial, guestBoots);
            }
        }
        // The monitor closed without quit: a real QEMU would go on running the guest.
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void serve(SocketChannel peer, Path serial, boolean guestBoots) throws IOException {
        OutputStream out = Channels.newOutputStream(peer);
        send(out, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 19, \"minor\": 2, \"major\": 7},"
                + " \"package\": \"stand-in\"}, \"capabilities\": []}}");
        BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(peer),
                StandardCharsets.UTF_8));
        String status = "prelaunch";
        String line;
        while ((line = in.readLine()) != null) {
            JsonNode cmd = JSON.readTree(line);
            String id = cmd.has("id") ? ", \"id\": " + cmd.get("id") : "";
            switch (cmd.path("execute").asText()) {
                case "query-status" -> send(out, "{\"return\": {\"status\": \"" + status + "\", \"running\": "
                        + status.equals("running") + ", \"singlestep\": false}" + id + "}");
                case "cont" -> {
                    status = "running";
                    send(out, "{\"return\": {}" + id + "}");
                    Files.writeString(serial, FIRMWARE + (guestBoots ? INIT_LINE : ""), StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND);
                }
                case "quit" -> {
                    send(out, "{\"return\": {}" + id + "}");
                    System.exit(0);
                }
                default -> send(out, "{\"return\": {}" + id + "}");
            }
        }
    }

    private static void send(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** A QEMU option's first field: what comes before its first comma. */
    private static String beforeComma(String option) {
        int comma = option.indexOf(',');
        return comma < 0 ? option : option.substring(0, comma);
    }

    private static String value(List<String> argv, String flag) {
        int i = argv.indexOf(flag);
        if (i < 0 || i + 1 >= argv.size()) {
            throw new IllegalArgumentException("no " + flag + " in " + argv);
        }
        return argv.get(i + 1);
    }
}
