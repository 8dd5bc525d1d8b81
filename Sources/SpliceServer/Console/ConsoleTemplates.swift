import Mustache
import SpliceCore

/// The operator's page and its login form, as Mustache templates kept in the source (so that the binary needs no
/// file at run time) and parsed once at start-up. Every value is written as `{{value}}`, which HTML-escapes it; the
/// only unescaped content is the templates' own text (the style sheet partial).
enum ConsoleTemplates {
    /// The templates, parsed; a template that does not parse is a bug caught by the console's tests.
    static let library: Result<MustacheLibrary, any Error> = Result {
        var library = MustacheLibrary()
        try library.register(style, named: "style")
        try library.register(page, named: "page")
        try library.register(login, named: "login")
        return library
    }

    /// `object` rendered with the template `name` of `library`; a template that is missing or did not parse is an
    /// internal error, never a crash.
    static func render(
        _ object: Any, template name: String, in library: Result<MustacheLibrary, any Error> = library
    ) throws -> String {
        guard case .success(let library) = library, let text = library.render(object, withTemplate: name) else {
            throw GatewayError(.internalError, message: "the console template '\(name)' is missing")
        }
        return text
    }

    static let page = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="refresh" content="{{refreshSeconds}}">
        <title>Splice console</title>
        {{> style}}
        </head>
        <body>
        <header>
          <div class="brand"><h1>Splice</h1><span class="muted">operator's page</span></div>
          <div class="who">
            {{#client}}<span>client <strong>{{client}}</strong></span>{{/client}}
            {{^client}}<span class="muted">open: no client keys configured</span>{{/client}}
            {{#signedIn}}<form method="post" action="/console/logout"><button type="submit">Log out</button></form>{{/signedIn}}
          </div>
        </header>
        <main>
        <section class="facts" aria-label="Gateway">
          <div><span class="label">Version</span><span class="value" id="version">{{version}}</span></div>
          <div><span class="label">Configuration</span><span class="value">generation <span id="generation">{{generation}}</span></span>
            <span class="small muted" title="loaded at">loaded {{loadedAt}}</span></div>
          <div><span class="label">Requests, last {{windowMinutes}} min</span><span class="value">{{totalRequests}}</span></div>
          <div><span class="label">Errors, last {{windowMinutes}} min</span><span class="value{{#hasErrors}} bad{{/hasErrors}}">{{totalErrors}}</span></div>
        </section>

        <h2>Routes</h2>
        <p class="note small muted">Last {{windowMinutes}} minutes · p50/p99: time spent on the provider ·
          <i class="key req"></i>requests <i class="key err"></i>errors per minute</p>
        {{^hasRoutes}}<p class="muted">No route to show.</p>{{/hasRoutes}}
        <section class="routes">
        {{#routes}}
          <article class="route" id="route-{{name}}">
            <div class="route-head">
              <h3>{{name}}</h3>
              {{#ready}}<span class="pill ok">ready</span>{{/ready}}
              {{^ready}}<span class="pill bad">not ready</span>{{/ready}}
            </div>
            <p class="small"><span class="muted">provider</span> {{provider}} · <span class="muted">upstream</span> <span title="{{upstream}}">{{upstreamHost}}</span></p>
            {{#reason}}<p class="reason">{{reason}}</p>{{/reason}}
            <dl class="stats">
              <div><dt>requests</dt><dd>{{requests}}</dd></div>
              <div><dt>errors</dt><dd{{#hasErrors}} class="bad"{{/hasErrors}}>{{errors}}</dd></div>
              <div><dt title="upstream time, median">p50</dt><dd>{{p50}}</dd></div>
              <div><dt title="upstream time, 99th percentile">p99</dt><dd>{{p99}}</dd></div>
            </dl>
            {{#chart}}
            <svg class="chart" viewBox="0 0 {{width}} {{height}}" preserveAspectRatio="none" role="img" aria-label="{{label}}">
              <line class="axis" x1="0" y1="{{height}}" x2="{{width}}" y2="{{height}}"/>
              {{#bars}}<g><title>{{title}}</title><rect class="req" x="{{x}}" y="{{requestsY}}" width="{{width}}" height="{{requestsHeight}}"/><rect class="err" x="{{x}}" y="{{errorsY}}" width="{{width}}" height="{{errorsHeight}}"/></g>
              {{/bars}}
            </svg>
            <p class="chart-legend small muted"><span>{{windowMinutes}} min ago</span><span>peak {{peak}}/min</span><span>now</span></p>
            {{/chart}}
            <ul class="outcomes">
              {{#outcomes}}<li class="{{#isError}}bad{{/isError}}{{^isError}}ok{{/isError}}"><code>{{code}}</code> {{count}}</li>{{/outcomes}}
            </ul>
          </article>
        {{/routes}}
        </section>
        {{#unrouted}}
        <p class="small">Requests naming no known route: {{requests}}
          {{#outcomes}}<code>{{code}}</code> {{count}} {{/outcomes}}</p>
        {{/unrouted}}

        <h2>Ledger <span class="small muted">last 50 entries, newest first</span></h2>
        {{#ledger}}
        {{#unavailable}}<p class="reason">{{unavailable}}</p>{{/unavailable}}
        {{#isEmpty}}<p class="muted">No request yet.</p>{{/isEmpty}}
        {{#hasEntries}}
        <div class="table-wrap">
        <table class="ledger">
          <thead><tr><th>time (UTC)</th><th>client</th><th>route</th><th>action</th><th>request id</th><th>outcome</th><th class="num">ms</th></tr></thead>
          <tbody>
          {{#entries}}
            <tr><td title="{{timestamp}}">{{time}}</td><td>{{client}}</td><td>{{route}}</td><td class="action">{{action}}</td>
              <td class="id">{{id}}{{#upload}}<br><span class="muted small">{{upload}}</span>{{/upload}}</td>
              <td><span class="{{#isError}}bad{{/isError}}{{^isError}}ok{{/isError}}">{{outcome}}</span> <span class="muted small">{{httpStatus}}</span></td>
              <td class="num">{{milliseconds}}</td></tr>
          {{/entries}}
          </tbody>
        </table>
        </div>
        {{/hasEntries}}
        {{/ledger}}
        </main>
        <footer class="small muted">Splice {{version}} · page made at {{generatedAt}} · reloads itself every {{refreshSeconds}} s</footer>
        </body>
        </html>

        """#

    static let login = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Splice console: log in</title>
        {{> style}}
        </head>
        <body class="login">
        <main>
          <form class="login-box" method="post" action="/console/login">
            <h1>Splice</h1>
            <p class="muted">This gateway requires a client key.</p>
            {{#message}}<p class="reason" role="alert">{{message}}</p>{{/message}}
            <label for="key">Client key</label>
            <input id="key" name="key" type="password" autocomplete="off" required autofocus>
            <button type="submit">Log in</button>
            <p class="small muted">Or send <code>Authorization: Bearer &lt;client key&gt;</code>.</p>
          </form>
        </main>
        </body>
        </html>

        """#

    static let style = #"""
        <style>
        :root { --bg: #f5f6f8; --card: #fff; --text: #1d2330; --muted: #677083; --line: #dde1e8; --ok: #1a7f4b;
          --ok-bg: #e3f4ea; --bad: #c0392b; --bad-bg: #fbe7e5; --accent: #3563d9; }
        @media (prefers-color-scheme: dark) {
          :root { --bg: #14171d; --card: #1d2129; --text: #e6e9ef; --muted: #98a1b3; --line: #323846; --ok: #4cc38a;
            --ok-bg: #173526; --bad: #ff6b5e; --bad-bg: #3d1d1a; --accent: #7aa2ff; }
        }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--text);
          font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; justify-content: space-between;
          padding: .75rem 1.25rem; background: var(--card); border-bottom: 1px solid var(--line); }
        .brand { display: flex; align-items: baseline; gap: .6rem; }
        h1 { margin: 0; font-size: 1.35rem; }
        h2 { font-size: 1.1rem; margin: 1.5rem 0 .6rem; }
        h3 { margin: 0; font-size: 1.05rem; overflow-wrap: anywhere; }
        .note { margin: -.4rem 0 .6rem; }
        main { max-width: 1280px; margin: 0 auto; padding: 1rem 1.25rem; }
        .who { display: flex; align-items: center; gap: .75rem; }
        .who form { margin: 0; }
        .muted { color: var(--muted); }
        .small { font-size: .85rem; }
        .bad { color: var(--bad); }
        .ok { color: var(--ok); }
        code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85em; }
        .facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: .75rem; }
        .facts > div, .route { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; }
        .facts .label { display: block; color: var(--muted); font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; }
        .facts .value { display: block; font-size: 1.4rem; font-weight: 600; }
        .routes { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: .75rem; }
        .route-head { display: flex; align-items: center; justify-content: space-between; gap: .5rem; }
        .route p { margin: .35rem 0; }
        .pill { font-size: .75rem; font-weight: 600; padding: .1rem .55rem; border-radius: 999px; white-space: nowrap; }
        .pill.ok { background: var(--ok-bg); }
        .pill.bad { background: var(--bad-bg); }
        .reason { background: var(--bad-bg); color: var(--bad); border-radius: 6px; padding: .35rem .6rem; font-size: .85rem; }
        .stats { display: grid; grid-template-columns: repeat(4, auto); justify-content: space-between; gap: .25rem .3rem;
          margin: .5rem 0; }
        .stats dt { color: var(--muted); font-size: .72rem; }
        .stats dd { margin: 0; font-size: .9rem; font-weight: 600; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .chart { display: block; width: 100%; height: 56px; background: var(--bg); border-radius: 4px; }
        .chart .req { fill: var(--accent); opacity: .75; }
        .chart .err { fill: var(--bad); }
        .chart .axis { stroke: var(--line); stroke-width: 1; }
        .chart-legend { display: flex; justify-content: space-between; margin: .15rem 0 0; white-space: nowrap; }
        .key { display: inline-block; width: .6rem; height: .6rem; border-radius: 2px; margin: 0 .2rem 0 .4rem; }
        .key.req { background: var(--accent); }
        .key.err { background: var(--bad); }
        .outcomes { list-style: none; display: flex; flex-wrap: wrap; gap: .3rem; margin: .5rem 0 0; padding: 0; }
        .outcomes li { border: 1px solid var(--line); border-radius: 4px; padding: 0 .4rem; font-size: .8rem; }
        .table-wrap { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
        table { border-collapse: collapse; width: 100%; font-size: .85rem; }
        th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { color: var(--muted); font-weight: 600; white-space: nowrap; }
        tbody tr:last-child td { border-bottom: none; }
        td.id, td.action { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-break: break-all; }
        td.id { max-width: 18rem; }
        .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        footer { max-width: 1280px; margin: 0 auto; padding: .5rem 1.25rem 1.5rem; }
        button { font: inherit; padding: .35rem .9rem; border-radius: 6px; border: 1px solid var(--line);
          background: var(--card); color: var(--text); cursor: pointer; }
        .login main { display: flex; justify-content: center; padding-top: 12vh; }
        .login-box { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1.5rem;
          width: min(24rem, 100%); display: flex; flex-direction: column; gap: .6rem; }
        .login-box input { font: inherit; padding: .5rem; border-radius: 6px; border: 1px solid var(--line);
          background: var(--bg); color: var(--text); }
        .login-box button { background: var(--accent); color: #fff; border: none; padding: .55rem; }
        @media (max-width: 600px) {
          main { padding: .75rem; }
          .facts { grid-template-columns: repeat(2, 1fr); gap: .5rem; }
          .facts .value { font-size: 1.15rem; }
          .routes { grid-template-columns: 1fr; }
        }
        </style>
        """#
}
