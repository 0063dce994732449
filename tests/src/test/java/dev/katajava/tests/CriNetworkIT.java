package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.cri.v1.ContainerState;
import dev.katajava.tests.cri.v1.PodSandboxConfig;
import dev.katajava.tests.cri.v1.PortMapping;
import dev.katajava.tests.cri.v1.Protocol;
import dev.katajava.tests.support.CriConfigs;
import dev.katajava.tests.support.CriTest;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A pod's network through CNI (bridge, host-local, portmap), under {@code kata} and under {@code runc}: the
 * pod's address answers HTTP from the host, a hostPort on 127.0.0.1 reaches the pod, and a kata pod and a
 * runc pod on the same bridge reach each other both ways.
 */
class CriNetworkIT extends CriTest {
    private static final int PORT = 8080;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A pod serving "served by NAME" over HTTP on {@link #PORT}; returns the pod's id. */
    private String servingPod(String name, String handler, PortMapping... ports) throws Exception {
        PodSandboxConfig.Builder config = CriConfigs.pod(name, logRoot);
        for (PortMapping p : ports) {
            config.addPortMappings(p);
        }
        PodSandboxConfig pod = config.build();
        String podId = runPod(pod, handler);
        String c = cri.runContainer(podId, pod, CriConfigs.container("web", image, "sh", "-c",
                "mkdir -p /www && echo served by " + name + " > /www/index.html && exec httpd -f -p " + PORT
                        + " -h /www").build());
        cri.awaitState(c, ContainerState.CONTAINER_RUNNING, Duration.ofMinutes(1));
        return podId;
    }

    private String get(String host, int port) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/"))
                .timeout(Duration.ofSeconds(10)).build();
        IOException last = null;
        for (int i = 0; i < 20; i++) {
            try {
                return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
            } catch (IOException e) {
                last = e;
                Thread.sleep(500);
            }
        }
        throw new AssertionError("no HTTP answer from " + host + ":" + port, last);
    }

    @ParameterizedTest
    @ValueSource(strings = {KATA, RUNC})
    void thePodsAddressAnswersHttpFromTheHost(String handler) throws Exception {
        String podId = servingPod("web-" + handler, handler);
        String ip = cri.podStatus(podId).getNetwork().getIp();
        assertThat(ip).startsWith(containerd.cni().gateway().substring(0, containerd.cni().gateway().lastIndexOf('.') + 1));

        assertThat(get(ip, PORT)).isEqualTo("served by web-" + handler + "\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {KATA, RUNC})
    void aHostPortOnLoopbackReachesThePod(String handler) throws Exception {
        int hostPort;
        try (ServerSocket free = new ServerSocket(0)) {
            hostPort = free.getLocalPort();
        }
        servingPod("hostport-" + handler, handler, PortMapping.newBuilder().setProtocol(Protocol.TCP)
                .setContainerPort(PORT).setHostPort(hostPort).setHostIp("127.0.0.1").build());

        assertThat(get("127.0.0.1", hostPort)).isEqualTo("served by hostport-" + handler + "\n");
    }

    @Test
    void aKataPodAndARuncPodReachEachOtherBothWays() throws Exception {
        String kataPod = servingPod("kata-side", KATA);
        String runcPod = servingPod("runc-side", RUNC);
        String kataIp = cri.podStatus(kataPod).getNetwork().getIp();
        String runcIp = cri.podStatus(runcPod).getNetwork().getIp();
        String kataWeb = cri.listContainers(kataPod).getFirst().getId();
        String runcWeb = cri.listContainers(runcPod).getFirst().getId();

        assertThat(fetchFrom(kataWeb, runcIp)).contains("served by runc-side");
        assertThat(fetchFrom(runcWeb, kataIp)).contains("served by kata-side");
    }

    /** An HTTP GET made with nc inside {@code container} (busybox's wget cannot be used here). */
    private static String fetchFrom(String container, String ip) throws InterruptedException {
        String out = "";
        for (int i = 0; i < 20 && !out.contains("served by"); i++) {
            out = cri.execSync(container, 15, "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 " + ip + " "
                    + PORT).getStdout().toStringUtf8();
            if (!out.contains("served by")) {
                Thread.sleep(500);
            }
        }
        return out;
    }
}
