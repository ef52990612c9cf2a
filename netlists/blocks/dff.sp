* Positive-edge D flip-flop: transmission-gate master-slave, static (18 transistors).
*
* dff  D CLK Q VDD VSS
*   A local inverter makes CLKB. Master: input TG open while CLK is low (node M follows D), MB =
*   not M, feedback inverter MF and TG closing the loop while CLK is high. Slave: TG from MB to S
*   open while CLK is high, Q = not S, feedback inverter SF and TG closing while CLK is low. Q
*   takes D at the rising CLK edge. Internal nodes M MB MF S SF CLKB (probe as x<ff>.s ...).
*   Sizes (L=65n): TGs 200n/200n; forward inverters 200n/400n (Q drives the next stage);
*   feedback inverters 120n/120n (weak keepers); clock inverter 200n/400n.
.subckt dff d clk q vdd vss
mpc clkb clk vdd vdd {{pmos}} w=400e-9 l=65e-9
mnc clkb clk vss vss {{nmos}} w=200e-9 l=65e-9
* master
mn1 d clkb m vss {{nmos}} w=200e-9 l=65e-9
mp1 d clk m vdd {{pmos}} w=200e-9 l=65e-9
mp2 mb m vdd vdd {{pmos}} w=400e-9 l=65e-9
mn2 mb m vss vss {{nmos}} w=200e-9 l=65e-9
mp3 mf mb vdd vdd {{pmos}} w=120e-9 l=65e-9
mn3 mf mb vss vss {{nmos}} w=120e-9 l=65e-9
mn4 mf clk m vss {{nmos}} w=200e-9 l=65e-9
mp4 mf clkb m vdd {{pmos}} w=200e-9 l=65e-9
* slave
mn5 mb clk s vss {{nmos}} w=200e-9 l=65e-9
mp5 mb clkb s vdd {{pmos}} w=200e-9 l=65e-9
mp6 q s vdd vdd {{pmos}} w=400e-9 l=65e-9
mn6 q s vss vss {{nmos}} w=200e-9 l=65e-9
mp7 sf q vdd vdd {{pmos}} w=120e-9 l=65e-9
mn7 sf q vss vss {{nmos}} w=120e-9 l=65e-9
mn8 sf clkb s vss {{nmos}} w=200e-9 l=65e-9
mp8 sf clk s vdd {{pmos}} w=200e-9 l=65e-9
.ends dff
