package dev.edgeinfer.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class FrameJobConfigTest {

    @Test
    void configIsValidatedNamingTheKey() {
        Configuration conf = new Configuration();
        conf.setString("kafka.bootstrap-servers", "localhost:9092");
        FrameJobConfig config = FrameJobConfig.from(conf);
        assertThat(config.framesTopic()).isEqualTo("edge.video.frames");
        assertThat(config.modelName()).isEqualTo("frame-classifier");
        assertThat(config.topK()).isEqualTo(3);
        assertThat(config.model()).isNull();
        conf.setString("frames.top-k", "0");
        assertThatThrownBy(() -> FrameJobConfig.from(conf)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("frames.top-k");
        conf.setString("frames.top-k", "2");
        conf.setString("frames.resise", "AREA");
        assertThatThrownBy(() -> FrameJobConfig.from(conf)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("frames.resise");
    }
}
