* SRAM static noise margin: the two half cells of sram6t_sp driven open-loop (butterfly).
*
* Placeholders: <models> <vdd> <temp>, <v_wl_a> and <v_wl_b> (word-line levels of the Q half xa
*   and the QB half xb: both 0 = hold, both VDD = ordinary read, one VDD = split-port read).
* Both bit lines sit at VDD (precharged). Analysis: dc vin 0 VDD step; curves v(outa) and v(outb)
*   against v(in) give the butterfly (measure::ButterflySnm). Monte Carlo alters xa.* and xb.*.
{{models}}
.include ../cells/sram6t_sp.sp
.temp {{temp}}
vdd vdd 0 {{vdd}}
vss vss 0 0
vbl bl 0 {{vdd}}
vwla wla 0 {{v_wl_a}}
vwlb wlb 0 {{v_wl_b}}
vin in 0 0
xa in outa bl wla vdd vss sram_half
xb in outb bl wlb vdd vss sram_half
.end
