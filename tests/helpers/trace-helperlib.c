/* The library of tests/helpers/trace-helper.c. */
int helper_answer(void);
int helper_answer(void)
{
	return 42;
}
