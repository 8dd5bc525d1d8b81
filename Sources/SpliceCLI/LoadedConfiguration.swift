import Foundation
import SpliceCore
import SpliceServer

/// The config file and route files, read and checked, with command-line flags applied over the file.
struct LoadedConfiguration {
    var server: ServerConfiguration
    var routeConfigurations: [RouteConfiguration]
    var clientKeys: ClientKeys

    static func load(config: String?, routes: String?, host: String?, port: Int?) throws(ConfigurationError)
        -> LoadedConfiguration
    {
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
            server.clients, certificates: server.certificateClients, environment: ProcessInfo.processInfo.environment,
            directory: configDirectory)
        return LoadedConfiguration(server: server, routeConfigurations: routeConfigurations, clientKeys: clientKeys)
    }
}
