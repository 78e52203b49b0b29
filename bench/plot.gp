# bench/plot.gp - the plots of docs/benchmarks.md, called by bench/report.py with
#   datadir='...' imgdir='...' warm='contenders...' cold='contenders...' sync='series...'
# Data files: datadir/warm_<contender>.dat, cold_<contender>.dat ("size p50 p99" in bytes and ns),
# sync_<series>.dat ("size GB/s").

set terminal pngcairo size 900,560 font "DejaVu Sans,10"
# One colour per contender, in bench/report.py's order: plbuf-sim, plbuf-hugepage, dpdk-malloc,
# dpdk-memzone, glibc, kernel.
set linetype 1 lc rgb "#7b2cbf"
set linetype 2 lc rgb "#1b9e3a"
set linetype 3 lc rgb "#1f77b4"
set linetype 4 lc rgb "#ff7f0e"
set linetype 5 lc rgb "#8c564b"
set linetype 6 lc rgb "#222222"
set logscale xy
set grid xtics ytics mytics lc rgb "#dddddd"
set key outside right top
set xlabel "buffer size"
set xtics ("64 B" 64, "1 KiB" 1024, "16 KiB" 16384, "256 KiB" 262144, "4 MiB" 4194304, \
           "64 MiB" 67108864)
set format y "%.0s %cs"
set ytics ("1 ns" 1e0, "10 ns" 1e1, "100 ns" 1e2, "1 µs" 1e3, "10 µs" 1e4, "100 µs" 1e5, \
           "1 ms" 1e6, "10 ms" 1e7, "100 ms" 1e8)

set output imgdir."/alloc_warm.png"
set title "allocate+free, warm: p50 (line) and p99 (dots)"
set ylabel "latency per allocate+free"
plot for [i=1:words(warm)] datadir."/warm_".word(warm,i).".dat" using 1:2 with linespoints \
        lw 2 pt 7 ps 0.6 lc i title word(warm,i), \
     for [i=1:words(warm)] datadir."/warm_".word(warm,i).".dat" using 1:3 with points \
        pt 1 ps 0.8 lc i notitle

set output imgdir."/alloc_cold.png"
set title "allocate+free, cold (first in a fresh process): p50 of 7"
plot for [i=1:words(cold)] datadir."/cold_".word(cold,i).".dat" using 1:2 with linespoints \
        lw 2 pt 7 ps 0.6 lc i title word(cold,i)

set output imgdir."/sync.png"
set title "whole-buffer flush / invalidate (sim, non-coherent) against memcpy"
set ylabel "GB/s"
set logscale x
unset logscale y
set yrange [0:*]
set ytics auto
set format y "%g"
set xtics ("4 KiB" 4096, "64 KiB" 65536, "1 MiB" 1048576, "16 MiB" 16777216, "64 MiB" 67108864)
plot for [i=1:words(sync)] datadir."/sync_".word(sync,i).".dat" using 1:2 with linespoints \
        lw 2 pt 7 ps 0.6 lc i title word(sync,i)
