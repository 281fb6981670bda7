// Starts one OpenSearch node inside this JVM, for scripts/opensearch.
//
// Why not bin/opensearch: the distribution's bootstrap refuses to run as root,
// and developers and CI here are root. This launcher builds the node the way
// OpenSearch's own test clusters and embedded runners do: settings and paths
// come from the config directory (opensearch.yml, log4j2.properties) written by
// scripts/opensearch; modules are loaded from the distribution's modules/
// directory; extra modules whose jars are on the class path (analysis-common,
// lang-painless) are named in -Dlantai.opensearch.plugins.
//
// Not done here, on purpose: the security manager, native calls (mlockall,
// seccomp) and the production bootstrap checks. This node is for development
// and tests, bound to 127.0.0.1.
//
// Stopping: SIGTERM (or SIGINT) closes the node cleanly through a shutdown hook.

import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;

public final class LantaiOpenSearchNode {

    /**
     * Node's constructor that also takes plugins from the class path is protected.
     * Its collection holds Class objects in OpenSearch 2.x and PluginInfo objects in
     * 3.x; both erase to Collection, so one launcher source compiles against either.
     */
    private static final class EmbeddedNode extends Node {
        @SuppressWarnings({ "rawtypes", "unchecked" })
        EmbeddedNode(Environment environment, Collection classpathPlugins) {
            super(environment, classpathPlugins, true);
        }
    }

    private LantaiOpenSearchNode() {}

    public static void main(String[] args) throws Exception {
        Path home = Paths.get(required("opensearch.path.home"));
        Path conf = Paths.get(required("opensearch.path.conf"));

        Settings input = Settings.builder().put("path.home", home.toString()).build();
        Environment environment =
            InternalSettingsPreparer.prepareEnvironment(input, Collections.emptyMap(), conf, () -> "lantai");

        LogConfigurator.registerErrorListener();
        LogConfigurator.setNodeName(Node.NODE_NAME_SETTING.get(environment.settings()));
        LogConfigurator.configure(environment);

        List<Object> plugins = new ArrayList<>();
        boolean pluginInfos = constructorTakesPluginInfo();
        for (String name : System.getProperty("lantai.opensearch.plugins", "").split(",")) {
            if (name.isBlank()) {
                continue;
            }
            Class<? extends Plugin> type = Class.forName(name.trim()).asSubclass(Plugin.class);
            plugins.add(pluginInfos ? describe(type) : type);
        }

        Node node = new EmbeddedNode(environment, plugins);
        CountDownLatch stopped = new CountDownLatch(1);

        // A non-daemon thread keeps the JVM alive until the shutdown hook runs.
        Thread keepAlive = new Thread(() -> {
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "lantai-keep-alive");
        keepAlive.setDaemon(false);

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                if (!node.awaitClose(30, TimeUnit.SECONDS)) {
                    System.err.println("lantai: node did not close within 30s");
                }
            } catch (Exception e) {
                System.err.println("lantai: error while closing the node: " + e);
            } finally {
                stopped.countDown();
            }
        }, "lantai-shutdown"));

        keepAlive.start();
        try {
            node.start();
        } catch (Throwable t) {
            System.err.println("lantai: node failed to start");
            t.printStackTrace();
            // Runs the shutdown hook, which closes what was opened.
            System.exit(1);
        }
    }

    /** True where Node(Environment, Collection<PluginInfo>, boolean) is the 3.x kind. */
    private static boolean constructorTakesPluginInfo() throws NoSuchMethodException {
        Constructor<Node> ctor = Node.class.getDeclaredConstructor(Environment.class, Collection.class, boolean.class);
        Type collection = ctor.getGenericParameterTypes()[1];
        if (collection instanceof ParameterizedType) {
            Type element = ((ParameterizedType) collection).getActualTypeArguments()[0];
            return element.getTypeName().equals("org.opensearch.plugins.PluginInfo");
        }
        return false;
    }

    /** A PluginInfo for a plugin class found on the class path (OpenSearch 3.x). */
    private static Object describe(Class<? extends Plugin> type) throws Exception {
        Class<?> info = Class.forName("org.opensearch.plugins.PluginInfo");
        Class<?> version = Class.forName("org.opensearch.Version");
        Object current = version.getField("CURRENT").get(null);
        Constructor<?> ctor = info.getConstructor(
            String.class, String.class, String.class, version, String.class, String.class, List.class, boolean.class);
        return ctor.newInstance(
            type.getName(), "on the class path", "NA", current,
            System.getProperty("java.specification.version"), type.getName(), Collections.emptyList(), false);
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("system property " + property + " is not set");
        }
        return value;
    }
}
