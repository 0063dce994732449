import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.util.Arrays;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs one fuzz test method (class#method) on the JUnit platform and exits 1 if it failed. Started by
 * scripts/fuzz.sh as a single-file program on a module's test class path, so no extra launcher is needed.
 */
public class RunFuzzTest {
    public static void main(String[] args) throws ClassNotFoundException {
        String className = args[0].substring(0, args[0].indexOf('#'));
        String methodName = args[0].substring(args[0].indexOf('#') + 1);
        Class<?> testClass = Class.forName(className, false, Thread.currentThread().getContextClassLoader());
        // A fuzz test takes parameters, so the method is selected by its reflected signature, not by name.
        Method method = Arrays.stream(testClass.getDeclaredMethods())
                .filter(m -> m.getName().equals(methodName))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no method " + args[0]));
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectMethod(testClass, method))
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        launcher.execute(request, summary);
        TestExecutionSummary result = summary.getSummary();
        result.printFailuresTo(new PrintWriter(System.err, true), 40);
        if (result.getTestsFoundCount() == 0) {
            System.err.println("no test matches " + args[0]);
            System.exit(2);
        }
        System.exit(result.getTotalFailureCount() == 0 ? 0 : 1);
    }
}
