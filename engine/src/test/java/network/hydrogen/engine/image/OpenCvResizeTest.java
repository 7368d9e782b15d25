package network.hydrogen.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.util.Map;
import java.util.stream.Stream;
import network.hydrogen.engine.image.OpenCvResize.Interpolation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** OpenCvResize against cv2.resize (tools/annotators/make_opencv_reference.py). */
class OpenCvResizeTest {

  static Map<String, OpenCvReference> records;

  @BeforeAll
  static void read() throws IOException {
    records = OpenCvReference.read("resize");
  }

  static Stream<String> cases() throws IOException {
    return OpenCvReference.read("resize").values().stream()
        .filter(r -> r.params().containsKey("src"))
        .map(OpenCvReference::name);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void matchesOpenCv(String name) {
    OpenCvReference expected = records.get(name);
    OpenCvReference src = records.get(expected.param("src"));
    Interpolation interpolation = Interpolation.valueOf(expected.param("interp"));
    if (src.isFloat()) {
      float[] out =
          OpenCvResize.resize(
              src.floats(),
              src.height(),
              src.width(),
              src.channels(),
              expected.height(),
              expected.width(),
              interpolation);
      assertWithin(out, expected.floats(), 1e-5);
      return;
    }
    byte[] out =
        OpenCvResize.resize(
            src.bytes(),
            src.height(),
            src.width(),
            src.channels(),
            expected.height(),
            expected.width(),
            interpolation);
    if (expected.params().containsKey("stored")) {
      assertThat(expected.matches(out)).as(name + " equals OpenCV's bytes").isTrue();
      return;
    }
    // 8-bit cubic on 1, 3, 4 channels (Intel IPP in OpenCV): near-.5 values may round the other way
    byte[] want = expected.bytes();
    int differing = 0;
    for (int i = 0; i < want.length; i++) {
      int difference = Math.abs((out[i] & 0xff) - (want[i] & 0xff));
      assertThat(difference).as(name + " sample " + i).isLessThanOrEqualTo(1);
      differing += difference;
    }
    assertThat(differing).as(name + " differing samples").isLessThanOrEqualTo(want.length / 50);
  }

  /** Each sample within {@code tolerance} of the largest magnitude (at least 1). */
  static void assertWithin(float[] actual, float[] expected, double tolerance) {
    assertThat(actual).hasSameSizeAs(expected);
    double scale = 1;
    for (float v : expected) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (int i = 0; i < expected.length; i++) {
      assertThat((double) actual[i])
          .as("sample " + i)
          .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(tolerance * scale));
    }
  }

  @Test
  void sameSizeIsACopyInEveryInterpolation() {
    byte[] image = new byte[5 * 7 * 3];
    for (int i = 0; i < image.length; i++) {
      image[i] = (byte) (i * 37);
    }
    for (Interpolation interpolation : Interpolation.values()) {
      assertThat(OpenCvResize.resize(image, 5, 7, 3, 5, 7, interpolation))
          .as(interpolation.name())
          .isEqualTo(image);
    }
  }

  @Test
  void badShapesAreRefusedWithTheSizes() {
    assertThatThrownBy(() -> OpenCvResize.resize(new byte[10], 2, 2, 3, 4, 4, Interpolation.LINEAR))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2x2x3");
    assertThatThrownBy(() -> OpenCvResize.resize(new float[12], 2, 2, 3, 0, 4, Interpolation.AREA))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("to 4x0");
  }

  /** float64 linear and cubic resizes against opencv-python-headless 5.0.0's (values inline). */
  @Test
  void float64ResizesMatchOpenCv() {
    assertThat(
            OpenCvResize.resize(OpenCvReference.float64Ramp(), 5, 7, 1, 3, 4, Interpolation.LINEAR))
        .containsExactly(
            new double[] {
              0.46875,
              1.0454166666666667,
              1.1970833333333333,
              0.7112499999999999,
              0.4187499999999999,
              1.0662500000000001,
              1.71375,
              0.6612500000000004,
              0.9354166666666666,
              1.0162500000000003,
              1.6637500000000005,
              1.1779166666666665
            },
            within(1e-12));
    assertThat(
            OpenCvResize.resize(
                OpenCvReference.float64Ramp(), 5, 7, 1, 9, 11, Interpolation.LINEAR))
        .containsExactly(
            new double[] {
              0.0,
              0.16818181818181818,
              0.4036363636363636,
              0.639090909090909,
              0.8745454545454545,
              1.1099999999999999,
              1.3454545454545455,
              1.1172727272727276,
              0.27090909090909093,
              0.3518181818181816,
              0.5199999999999998,
              0.33,
              0.4981818181818182,
              0.7336363636363638,
              0.9690909090909092,
              0.9984848484848484,
              0.8733333333333333,
              1.1087878787878789,
              1.0351515151515154,
              0.5493939393939393,
              0.6818181818181815,
              0.8499999999999999,
              0.88,
              1.0481818181818183,
              1.283636363636364,
              1.5190909090909095,
              1.2050505050505051,
              0.47888888888888903,
              0.7143434343434345,
              0.8982828282828283,
              1.0135353535353535,
              1.2318181818181815,
              1.4,
              0.6744444444444442,
              0.8426262626262624,
              1.078080808080808,
              1.3135353535353536,
              1.2055555555555555,
              0.8400000000000004,
              1.0754545454545459,
              1.1048484848484852,
              0.8594949494949494,
              1.026262626262626,
              1.1944444444444444,
              0.27999999999999986,
              0.44818181818181807,
              0.6836363636363635,
              0.9190909090909091,
              1.1545454545454545,
              1.3900000000000001,
              1.6254545454545457,
              1.3972727272727279,
              0.5509090909090911,
              0.6318181818181821,
              0.8000000000000005,
              0.8300000000000001,
              0.9981818181818185,
              1.1477777777777785,
              0.7822222222222223,
              0.7601010101010098,
              0.9955555555555551,
              1.2310101010101009,
              1.2604040404040406,
              1.0150505050505052,
              1.181818181818182,
              1.3500000000000008,
              1.1911111111111108,
              1.3592929292929294,
              1.457373737373738,
              0.7312121212121214,
              0.5545454545454545,
              0.7899999999999995,
              1.0254545454545454,
              1.2093939393939395,
              1.3246464646464642,
              1.5429292929292926,
              1.7111111111111115,
              0.7966666666666662,
              0.9648484848484848,
              1.1487878787878794,
              1.023636363636364,
              1.104545454545455,
              1.3400000000000005,
              1.5754545454545459,
              1.5018181818181822,
              1.0160606060606054,
              1.148484848484848,
              1.3166666666666669,
              0.5599999999999997,
              0.7281818181818184,
              0.9636363636363643,
              1.1990909090909092,
              1.4345454545454548,
              1.6700000000000008,
              1.9054545454545457,
              1.6772727272727275,
              0.8309090909090904,
              0.9118181818181816,
              1.0800000000000005
            },
            within(1e-12));
    assertThat(
            OpenCvResize.resize(OpenCvReference.float64Ramp(), 5, 7, 1, 8, 6, Interpolation.CUBIC))
        .containsExactly(
            new double[] {
              -0.06872753739356995,
              0.38238931179046626,
              0.8739139810719646,
              1.5937931497458337,
              0.3691621494293215,
              0.3960454606925485,
              0.506022218465805,
              0.9932012605667113,
              1.0316484090368614,
              0.955784693798414,
              0.7115111064910888,
              0.9756925785660856,
              1.0159492675818909,
              1.5329531621932981,
              1.214366036170104,
              0.5042261812416841,
              1.037274703979492,
              1.4895232496899549,
              0.4500333980489812,
              0.9707472276687619,
              1.3009100257212416,
              1.446399058173411,
              0.7637357330322267,
              0.9183414308703507,
              0.5524933029773818,
              0.8677583646774293,
              0.8601909792746301,
              1.6037346611951944,
              0.8625150299072266,
              1.017120727745351,
              1.2793411301368902,
              1.3459062051773076,
              0.2868581520361473,
              0.887930980800884,
              1.2925969696044917,
              1.7448455153149558,
              0.972429182189662,
              1.2283055400848393,
              0.8865221388102507,
              1.4839729784578233,
              1.1737742900848385,
              1.4379557621598367,
              0.5165126553473236,
              1.0096870517730716,
              1.570348680547904,
              2.167799703617275,
              0.9551558017730707,
              0.9820391130362995
            },
            within(1e-12));
  }
}
