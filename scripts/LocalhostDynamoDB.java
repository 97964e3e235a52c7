import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * DynamoDB Local (3.x) on 127.0.0.1 only.
 *
 * <p>DynamoDBLocal.jar takes a port but no address, and its Jetty server listens on every
 * interface. This builds the server from the same command-line arguments as the jar's own main
 * class, sets the host of each of its connectors before it starts, then runs it until it is
 * stopped. Used by scripts/dynamodb_local.py (compiled there with javac).
 */
public final class LocalhostDynamoDB {
    private LocalhostDynamoDB() {}

    public static void main(String[] args) throws Exception {
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server jetty = (Server) field.get(proxy);
        for (Connector connector : jetty.getConnectors()) {
            if (connector instanceof ServerConnector serverConnector) {
                serverConnector.setHost("127.0.0.1");
            }
        }
        proxy.start();
        proxy.join();
    }
}
