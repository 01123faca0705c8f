set terminal pngcairo size 1000,560 font ",10"
set output "direct.png"
set title "cold 4 GiB, whole process, median of 3 alternating rounds" noenhanced
set style fill solid 0.6
set xlabel "GB/s"; unset ylabel
set key off
set grid x
set ytics font ",8" noenhanced
set yrange [-1:16]
set xrange [0:*]
set arrow 1 from 2.315, graph 0 to 2.315, graph 1 nohead dt 2 lw 2 lc rgb "red"
set label 1 "disk ceiling (fio) 2.32" at 2.315, graph 1.03 center font ",8"
plot "direct.dat" using 2:0:(0):2:($0-0.35):($0+0.35):yticlabels(1) with boxxyerror, \
     "direct.dat" using 2:0:(sprintf(" %.2f", $2)) with labels left font ",8"
