import Foundation
import SpliceCore

/// The config file and route files, read and checked, with command-line flags applied over the file.
package struct LoadedConfiguration: Sendable {
    package var server: ServerConfiguration
    package var routeConfigurations: [RouteConfiguration]
    package var clientKeys: ClientKeys

    package init(server: ServerConfiguration, routeConfigurations: [RouteConfiguration], clientKeys: ClientKeys) {
        self.server = server
        self.routeConfigurations = routeConfigurations
        self.clientKeys = clientKeys
    }

    /// Reads the config file (when given) and the routes directory; every secret reference of a client key is
    /// resolved here, the routes' ones by `RouteTable.resolve`.
    package static func load(
        config: String?, routes: String?, host: String?, port: Int?, environment: [String: String]
    ) throws(ConfigurationError) -> LoadedConfiguration {
        var server = ServerConfiguration()
        var configDirectory = "."
        if let config {
            server = try ServerConfiguration.load(file: config)
            configDirectory = (config as NSString).deletingLastPathComponent
            if configDirectory.isEmpty { configDirectory = "." }
        }
        if let routes { server.routesDirectory = routes }
        if let host { server.host = host }
        if let port { server.port = port }
        let routeConfigurations = try RouteTable.loadConfigurations(directory: server.routesDirectory)
        // Unreadable, unparsable or mismatched TLS files: at the line of the key that names them.
        let tlsProblems = TLSFiles.problems(server: server, routes: routeConfigurations)
        guard tlsProblems.isEmpty else { throw ConfigurationError(tlsProblems) }
        let clientKeys = ClientKeys(
            server.clients, certificates: server.certificateClients, environment: environment, directory: configDirectory)
        return LoadedConfiguration(server: server, routeConfigurations: routeConfigurations, clientKeys: clientKeys)
    }
}

/// Where the configuration comes from: read once at start-up and again at every reload (SIGHUP,
/// `POST /admin/reload`), with the same command-line flags.
package struct ConfigurationSource: Sendable {
    package let read: @Sendable () throws(ConfigurationError) -> LoadedConfiguration

    package init(read: @escaping @Sendable () throws(ConfigurationError) -> LoadedConfiguration) {
        self.read = read
    }

    /// The files named on the command line.
    package static func files(
        config: String?, routes: String?, host: String?, port: Int?, environment: [String: String]
    ) -> ConfigurationSource {
        ConfigurationSource { () throws(ConfigurationError) in
            try LoadedConfiguration.load(config: config, routes: routes, host: host, port: port, environment: environment)
        }
    }

    /// A configuration made in code (the demo, tests): a reload resolves it again.
    package static func fixed(_ configuration: LoadedConfiguration) -> ConfigurationSource {
        ConfigurationSource { configuration }
    }
}
