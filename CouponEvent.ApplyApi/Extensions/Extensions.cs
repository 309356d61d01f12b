using System.Text.Json.Serialization.Metadata;
using CouponEvent.ApplyApi.Admission;
using CouponEvent.ApplyApi.Apis;
using CouponEvent.ApplyApi.Events;
using CouponEvent.ApplyApi.Model;
using CouponEvent.Data;
using CouponEvent.Data.Messages;
using CouponEvent.ServiceDefaults;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace CouponEvent.ApplyApi.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddRedis(ConnectionNames.Redis);
        // Fail a publish after 5 s rather than hold the request: the user gets a 503 and may try again.
        builder.AddKafkaProducer(ConnectionNames.Kafka, kafka => kafka.MessageTimeoutMs ??= 5000,
            producer => producer.SetPartitioner(Topics.CouponCreate, WindowPartitioner.Choose));
        builder.AddCouponDatabase();

        builder.Services.AddOptions<EventsOptions>().BindConfiguration("Events").ValidateDataAnnotations().ValidateOnStart();
        builder.AddTokenAuthorization();
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration("RateLimit").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddApplyRateLimiter();
        builder.Services.AddSingleton<ApplicantRateLimiter>();
        builder.Services.AddOptions<ApplicantTokenOptions>().BindConfiguration("ApplicantTokens").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ApplicantAuthentication>();
        builder.Services.AddSingleton<RememberedTokens>();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .PostConfigure<RememberedTokens>((bearer, remembered) => remembered.Attach(bearer.Events ??= new JwtBearerEvents()));

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<EventAdmission>();
        builder.Services.AddSingleton<EventRecovery>();
        builder.Services.AddSingleton<ApplyUseCase>();
        builder.Services.AddOptions<AdmissionOptions>().BindConfiguration("Admission").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ReplicaAcknowledgement>();
        builder.Services.AddSingleton<ApplicationPublisher>();
        builder.Services.AddOptions<SoldOutOptions>().BindConfiguration("SoldOut").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<RememberedAnswers>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RememberedAnswers>());
        builder.Services.AddScoped<EventCatalog>();
        builder.Services.AddOptions<RecoveryOptions>().BindConfiguration("Recovery").ValidateDataAnnotations().ValidateOnStart();
        var kafka = builder.GetKafkaConsumerConfig(ConnectionNames.Kafka);
        builder.Services.AddSingleton(new KafkaConsumerLag(kafka.BootstrapServers, Topics.CouponConsumerGroup, Topics.CouponCreate));
        builder.Services.AddSingleton<KnownEvents>();
        builder.Services.AddOptions<StatusOptions>().BindConfiguration("Status").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<StatusReader>();
        builder.Services.AddHostedService<EventStateKeeper>();
        builder.Services.AddHostedService<AnswerTally>();

        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            var strict = ApiJsonContext.Default.Options;
            json.SerializerOptions.PropertyNameCaseInsensitive = strict.PropertyNameCaseInsensitive;
            json.SerializerOptions.NumberHandling = strict.NumberHandling;
            json.SerializerOptions.UnmappedMemberHandling = strict.UnmappedMemberHandling;
            json.SerializerOptions.AllowDuplicateProperties = strict.AllowDuplicateProperties;
            json.SerializerOptions.TypeInfoResolver = JsonTypeInfoResolver.Combine(ApiJsonContext.Default, json.SerializerOptions.TypeInfoResolver);
        });
        builder.Services.AddExceptionHandler<DependencyUnavailableHandler>();
        builder.Services.AddOpenApi();
    }
}
