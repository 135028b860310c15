/* A program tests/helpers/trace-app.c only looks for: its library (trace-helperlib.c, found
 * through DT_RUNPATH) is in the image only because the trace adds an ELF file's libraries. */
int helper_answer(void);
int main(void)
{
	return helper_answer() == 42 ? 0 : 1;
}
