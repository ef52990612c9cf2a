* SAR ADC: repeated conversions of a staircase input (bench template).
*
* Placeholders: <models> <vdd> <temp> <vref> <vcm>
*   <smp> <clk> the SMP and CLK source values (SarSamplePwl, SarClockPwl: repeated PWLs)
*   <adc>       the generated ADC subcircuit (cimchar::measure::SarAdcSubckt)
*   <bits>      its resolution; <adc_bits> its output nodes "b0 b1 ..." (SarAdcPorts)
*   <vin>       the input source's value, e.g. "dc 0.2" or a PWL staircase changing only while
*                 SMP is low
* One conversion takes t_conv = t_sample + (bits + 1) * t_clk: SMP is high for t_sample
* (the bottom plates sample VIN), then CLK has `bits` rising edges at t_clk/2, 3 t_clk/2, ...
* after SMP falls; the code is valid on b0.. from the last falling CLK edge until the next SMP.
* Conversion c starts at c * t_conv; the analysis (set by the driver) decides how many run.
* The input source drives the ADC through 100 ohm (rvin: a line's output resistance, far below
* what would slow sampling; an ideal source directly on the switches stalls ngspice's step
* control when they switch).
* Supplies: vdd (comparator, switches' gates, SAR logic), vref (capacitor DAC), vcm (top plate
* and reference side); i(vdd), i(vref), i(vcm).
{{models}}
.include ../blocks/strongarm.sp
{{adc}}
.temp {{temp}}
vdd vdd 0 {{vdd}}
vss vss 0 0
vref vref 0 {{vref}}
vcm vcm 0 {{vcm}}
vin vins 0 {{vin}}
rvin vins vin 100
vsmp smp 0 {{smp}}
vclk clk 0 {{clk}}
xadc vin smp clk vref vcm {{adc_bits}} vdd vss sar_adc{{bits}}
.end
