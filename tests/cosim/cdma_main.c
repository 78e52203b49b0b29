/* The driver as a program of its own: what would run on a board (--uio, --phys), and against the
 * RTL in another process (--sim NAME, with tests/cosim/cdma_rtl serving NAME). */
int cdma_driver_main(int argc, char **argv);

int main(int argc, char **argv)
{
	return cdma_driver_main(argc, argv);
}
