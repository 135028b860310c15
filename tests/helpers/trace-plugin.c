/* The plugin tests/helpers/trace-app.c loads by the name in its configuration. */
const char *greeting(void);
const char *greeting(void)
{
	return "hello from the plugin";
}
