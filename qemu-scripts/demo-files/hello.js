// The demo payload: node's hello-world web server.  Started by minboot with the port already
// bound (minboot.listen=8080 -> fd 3, LISTEN_FDS=1), so connections wait in the backlog while
// node starts; without socket activation it binds the port itself.
const http = require('http');
const server = http.createServer((req, res) => {
	res.end(`hello from a minboot appliance (node ${process.version}, up ${require('os').uptime()} s)\n`);
});
if (process.env.LISTEN_FDS === '1' && process.env.LISTEN_PID === String(process.pid))
	server.listen({ fd: 3 });
else
	server.listen(8080);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
